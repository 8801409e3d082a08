//! Homework sheets: who gets a copy of each, by its audience.

use mend_core::content::Audience;
use mend_core::{BreachKind, Couple, CoupleId, Partner, PartnerId, PartnerName, Roles, Sheet};

fn couple(partners: [(&str, Roles); 2]) -> Couple {
    let partners = partners
        .iter()
        .zip(1..)
        .map(|((name, roles), row)| Partner {
            id: PartnerId::from_row(row),
            name: PartnerName::parse(name).unwrap(),
            pronouns: None,
            roles: *roles,
            email: None,
        })
        .collect();
    Couple {
        id: CoupleId::from_row(1),
        short_id: "a1b2c3".to_owned(),
        breach: BreachKind::Lies,
        label: None,
        created_at: "2025-06-01T10:00:00Z".to_owned(),
        current_stage: None,
        partners,
    }
}

fn sheet(audience: Audience) -> Sheet {
    Sheet {
        id: "a-sheet".to_owned(),
        title: "A sheet".to_owned(),
        audience,
        purpose: String::new(),
        instructions: Vec::new(),
        blocks: Vec::new(),
        sources: Vec::new(),
    }
}

fn names(copies: &[&[&str]]) -> Vec<Vec<String>> {
    copies.iter().map(|names| names.iter().map(|n| (*n).to_owned()).collect()).collect()
}

#[test]
fn each_audience_gets_its_copies_in_the_couple_s_order() {
    let couple = couple([("Zoë Whitfield", Roles::Hurt), ("José Núñez", Roles::BrokeTrust)]);
    assert_eq!(sheet(Audience::Together).copies(&couple), names(&[&["Zoë Whitfield", "José Núñez"]]));
    assert_eq!(sheet(Audience::Each).copies(&couple), names(&[&["Zoë Whitfield"], &["José Núñez"]]));
    assert_eq!(sheet(Audience::BrokeTrust).copies(&couple), names(&[&["José Núñez"]]));
    assert_eq!(sheet(Audience::Hurt).copies(&couple), names(&[&["Zoë Whitfield"]]));
}

#[test]
fn in_a_mutual_breach_a_sheet_for_a_role_is_one_copy_each() {
    let couple = couple([("Ada", Roles::Mutual), ("Ben", Roles::Mutual)]);
    for audience in [Audience::BrokeTrust, Audience::Hurt, Audience::Each] {
        assert_eq!(sheet(audience).copies(&couple), names(&[&["Ada"], &["Ben"]]), "{audience:?}");
    }
    assert_eq!(sheet(Audience::Together).copies(&couple), names(&[&["Ada", "Ben"]]));
}

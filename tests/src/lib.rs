//! Journeys live in tests/journeys/.

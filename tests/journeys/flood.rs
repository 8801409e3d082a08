//! Journey: a flood of idle connections cannot stop the relay. Under the usual limit of 1,024
//! open files, 1,100 connections from one address that never send a request leave room: a
//! partner's request from another address is answered at once.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use rustix::net::{AddressFamily, SocketType, bind, connect, socket};

use crate::mend::Practice;
use crate::server::IntakeServer;

/// How many idle connections the flood opens: more than the server's open-files limit.
const FLOOD: usize = 1_100;

#[test]
fn eleven_hundred_idle_connections_leave_room_for_a_partner() {
    let practice = Practice::new();
    let mend = practice.command(&["serve", "--addr", "127.0.0.1:0"]);
    // The server runs under a limit of 1,024 open files, as most systems set by default.
    let mut limited = Command::new("prlimit");
    limited.arg("--nofile=1024:1024").arg(mend.get_program()).args(mend.get_args());
    for (name, value) in mend.get_envs() {
        match value {
            Some(value) => limited.env(name, value),
            None => limited.env_remove(name),
        };
    }
    limited.current_dir(practice.path("")).stdin(std::process::Stdio::null());
    let server = IntakeServer::start_command(&practice, limited);
    let port: u16 = server.origin().rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);

    // The flood, from 127.0.0.2: connections that never send a byte.
    let flooder = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 2), 0);
    let mut idle = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        let fd = socket(AddressFamily::INET, SocketType::STREAM, None).expect("a socket");
        bind(&fd, &flooder).expect("bind to 127.0.0.2");
        // The kernel may refuse once its queue is full; what matters is what the server does.
        if connect(&fd, &target).is_ok() {
            idle.push(fd);
        }
    }
    assert!(idle.len() > 1_024, "the flood opened {} connections", idle.len());
    std::thread::sleep(Duration::from_millis(500));

    // A partner, from 127.0.0.1, is answered within a second.
    let started = Instant::now();
    let mut partner = TcpStream::connect(target).expect("connect");
    partner.set_read_timeout(Some(Duration::from_secs(1))).expect("a timeout");
    partner.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("send");
    let mut answer = String::new();
    let _ = partner.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "the partner got {answer:?} after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(1), "answered in {:?}", started.elapsed());
    drop(idle);
    server.stop();
}

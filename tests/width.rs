//! Pretty output on a real terminal (a pseudo-terminal the test opens): each line fits the
//! terminal's width, a resize applies from the next line on, and `--wrap` or `COLUMNS=0` show
//! whole lines.

mod support;

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::bin;

/// A chat frame whose summary is far wider than any terminal.
fn long_frame(n: usize) -> String {
    format!(
        r#"{{"message":{{"message":"message {n} {}","peerId":"QmeVMcgXsy9xyXshREU5avCYYPyrz5bgMZyTZjv44KhNnT","subject":""}}}}"#,
        "word ".repeat(30)
    )
}

/// A pseudo-terminal of `cols` columns: the side obtail writes to, and the lines read from
/// the other side.
struct Pty {
    master: File,
    slave: Option<OwnedFd>,
    lines: mpsc::Receiver<String>,
}

fn winsize(cols: u16) -> libc::winsize {
    libc::winsize {
        ws_row: 30,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

impl Pty {
    fn open(cols: u16) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = winsize(cols);
        // SAFETY: openpty writes two descriptors into the integers given; the name buffer and
        // termios may be null; the winsize lives across the call.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: both descriptors were just opened and are owned by nothing else.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let reader = master.try_clone().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { return };
                if tx.send(line.trim_end_matches('\r').to_string()).is_err() {
                    return;
                }
            }
        });
        Pty {
            master,
            slave: Some(slave),
            lines,
        }
    }

    fn resize(&self, cols: u16, child: &Child) {
        let size = winsize(cols);
        use std::os::fd::AsRawFd;
        // SAFETY: TIOCSWINSZ reads a winsize from the pointer given, valid for the call;
        // kill sends a signal to our own child.
        unsafe {
            assert_eq!(
                libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size),
                0
            );
            // The child is no session leader on this terminal, so the kernel's SIGWINCH goes
            // to no one: sent as the terminal would send it.
            libc::kill(child.id() as i32, libc::SIGWINCH);
        }
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("obtail printed a line")
    }
}

/// Starts obtail on the terminal, reading frames from a pipe.
fn obtail(pty: &mut Pty, args: &[&str], env: &[(&str, &str)]) -> Child {
    bin()
        .args(["--replay", "-", "--color", "never"])
        .args(args)
        .env_remove("COLUMNS")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::from(pty.slave.take().unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn columns(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn a_resize_applies_from_the_next_line() {
    let mut pty = Pty::open(100);
    let mut child = obtail(&mut pty, &[], &[]);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", long_frame(1)).unwrap();
    let first = pty.next_line();
    assert_eq!(columns(&first), 100, "{first}");
    assert!(first.ends_with('…'), "{first}");
    pty.resize(50, &child);
    // The signal is taken between frames: give it time to land before the next one.
    std::thread::sleep(Duration::from_millis(300));
    writeln!(stdin, "{}", long_frame(2)).unwrap();
    let second = pty.next_line();
    assert!(columns(&second) <= 50, "after the resize: {second}");
    assert!(second.contains("message 2"), "{second}");
    pty.resize(130, &child);
    std::thread::sleep(Duration::from_millis(300));
    writeln!(stdin, "{}", long_frame(3)).unwrap();
    let third = pty.next_line();
    assert_eq!(columns(&third), 130, "wider again: {third}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn wrap_and_columns_0_show_whole_lines_and_columns_fixes_the_width() {
    for (args, env) in [
        (&["--wrap"][..], &[][..]),
        (&[][..], &[("COLUMNS", "0")][..]),
    ] {
        let mut pty = Pty::open(60);
        let mut child = obtail(&mut pty, args, env);
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}", long_frame(1)).unwrap();
        drop(stdin);
        // The terminal folds the whole line over several rows; the pty passes it as one.
        let line = pty.next_line();
        assert!(
            line.trim_end().ends_with("word"),
            "{args:?} {env:?}: {line}"
        );
        assert!(!line.contains('…'), "{line}");
        assert!(child.wait().unwrap().success());
    }
    let mut pty = Pty::open(100);
    let mut child = obtail(&mut pty, &[], &[("COLUMNS", "70")]);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", long_frame(1)).unwrap();
    assert_eq!(columns(&pty.next_line()), 70);
    pty.resize(50, &child);
    std::thread::sleep(Duration::from_millis(300));
    writeln!(stdin, "{}", long_frame(2)).unwrap();
    assert_eq!(
        columns(&pty.next_line()),
        70,
        "COLUMNS holds through a resize"
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

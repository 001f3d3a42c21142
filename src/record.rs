//! The `--record` file: every received frame, before filtering, as one envelope line.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use crate::exit::Failure;
use crate::render::{write_envelope, Event};
use crate::source::replay::io_reason;

/// Appends every received frame, before filtering, as an envelope line.
pub struct Recorder {
    file: File,
    path: String,
    line: Vec<u8>,
}

impl Recorder {
    pub fn open(path: &Path) -> Result<Self, Failure> {
        let file = File::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                Failure::runtime(format!(
                    "cannot open --record file {}: {}",
                    path.display(),
                    io_reason(&e)
                ))
            })?;
        Ok(Recorder {
            file,
            path: path.display().to_string(),
            line: Vec::with_capacity(1024),
        })
    }

    /// Refuses to record into the file being replayed (`-` is stdin): every frame read would
    /// be appended to it, and the replay would never reach its end.
    pub fn check_not_input(&self, input: &Path) -> Result<(), Failure> {
        let input = if input.as_os_str() == "-" {
            stdin_metadata()
        } else {
            std::fs::metadata(input).ok()
        };
        match (input, self.file.metadata().ok()) {
            (Some(a), Some(b)) if same_file(&a, &b) => Err(Failure::usage(format!(
                "--record {} is the file --replay reads: it would grow forever; record to \
                 another file",
                self.path
            ))),
            _ => Ok(()),
        }
    }

    pub fn record(&mut self, ev: &Event) -> Result<(), Failure> {
        self.line.clear();
        write_envelope(ev, &mut self.line);
        self.line.push(b'\n');
        // One write per line: a crash never leaves half a frame in the file.
        self.file.write_all(&self.line).map_err(|e| {
            Failure::runtime(format!(
                "cannot write --record file {}: {}",
                self.path,
                io_reason(&e)
            ))
        })
    }
}

#[cfg(unix)]
fn stdin_metadata() -> Option<std::fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok()
}

#[cfg(not(unix))]
fn stdin_metadata() -> Option<std::fs::Metadata> {
    None
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.is_file() && (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

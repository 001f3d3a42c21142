//! The `--record` file: every received frame, before filtering, as one envelope line.
//!
//! Lines are appended whole and always start on a fresh line: a recording cut short (kill -9
//! mid-write, a full disk) leaves a fragment at worst, and the next recording to the same file
//! starts after a newline, so that fragment is one invalid line on replay and the frames that
//! follow stay intact. A failed write is cut back off the file when the file allows it. New
//! files are created readable by their owner only (frames carry private chat and orders).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::exit::io_reason;
use crate::exit::Failure;
use crate::render::{write_envelope, Event};

/// Appends every received frame, before filtering, as an envelope line.
pub struct Recorder {
    file: File,
    path: String,
    line: Vec<u8>,
    /// The file's length after the last whole line: a failed write is cut back to it.
    len: u64,
}

impl Recorder {
    pub fn open(path: &Path) -> Result<Self, Failure> {
        let fail = |what: &str, e: io::Error| {
            Failure::runtime(format!(
                "cannot {what} --record file {}: {}",
                path.display(),
                io_reason(&e)
            ))
        };
        let (mut file, readable) = private_append(path).map_err(|e| fail("open", e))?;
        let mut len = file.metadata().map_err(|e| fail("open", e))?.len();
        // A write-only file cannot be checked: a newline then costs at most an empty line.
        let fresh =
            len == 0 || readable && ends_with_newline(&mut file).map_err(|e| fail("read", e))?;
        if !fresh {
            file.write_all(b"\n").map_err(|e| fail("write", e))?;
            len += 1;
        }
        Ok(Recorder {
            file,
            path: path.display().to_string(),
            line: Vec::with_capacity(1024),
            len,
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
        // One write per line, so that a crash leaves at most one fragment.
        match self.file.write_all(&self.line) {
            Ok(()) => {
                self.len += self.line.len() as u64;
                Ok(())
            }
            Err(e) => {
                // A fragment the file would keep otherwise; best effort (a full disk allows it).
                let _ = self.file.set_len(self.len);
                Err(Failure::runtime(format!(
                    "cannot write --record file {}: {}",
                    self.path,
                    io_reason(&e)
                )))
            }
        }
    }
}

/// Opens for appending (and reading, when allowed), creating the file readable by its owner
/// only; says whether it can be read.
fn private_append(path: &Path) -> io::Result<(File, bool)> {
    let mut options = File::options();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.clone().read(true).open(path) {
        Ok(file) => Ok((file, true)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok((options.open(path)?, false)),
        Err(e) => Err(e),
    }
}

/// Whether the file's last byte is a newline (a FIFO or device counts as yes).
fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    if !file.metadata()?.is_file() {
        return Ok(true);
    }
    let mut last = [0u8];
    file.seek(SeekFrom::End(-1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
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

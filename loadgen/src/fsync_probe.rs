//! Measures how many small synced writes per second the disk takes. Every database commit waits
//! for at least one, so this puts the decisions/s of a run in context.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

const BLOCK_BYTES: usize = 4096;
/// Writes cycle over this many blocks so that a fast disk cannot grow the file without bound.
const RING_BLOCKS: u64 = 256;

/// Writes 4 KiB and `sync_data`s it in a loop for `duration` on a temporary file in `dir`.
pub fn fsyncs_per_second(dir: &Path, duration: Duration) -> io::Result<f64> {
    let mut probe = ProbeFile::create(dir)?;
    let block = [0xa5; BLOCK_BYTES];
    let started = Instant::now();
    let mut syncs: u64 = 0;
    while started.elapsed() < duration {
        let offset = (syncs % RING_BLOCKS) * BLOCK_BYTES as u64;
        probe.file.seek(SeekFrom::Start(offset))?;
        probe.file.write_all(&block)?;
        probe.file.sync_data()?;
        syncs += 1;
    }
    Ok(syncs as f64 / started.elapsed().as_secs_f64())
}

/// The probe's file, removed when dropped, also when a write fails.
struct ProbeFile {
    file: File,
    path: PathBuf,
}

impl ProbeFile {
    fn create(dir: &Path) -> io::Result<Self> {
        let path = dir.join(format!(".loadgen-fsync-probe-{}", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Self { file, path })
    }
}

impl Drop for ProbeFile {
    fn drop(&mut self) {
        // Nothing useful to do if it fails: the file is hidden and small.
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_rate_and_leaves_no_file_behind() {
        let dir = std::env::temp_dir().join(format!("loadgen-probe-test-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");

        let rate = fsyncs_per_second(&dir, Duration::from_millis(50)).expect("probe runs");

        let leftovers = fs::read_dir(&dir).expect("temp dir").count();
        fs::remove_dir(&dir).expect("temp dir is empty");
        assert!(rate > 0.0);
        assert_eq!(leftovers, 0);
    }
}

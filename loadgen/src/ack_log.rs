//! Every call the server acknowledged (a 2xx), one line each: `DECISION_ID STEP`. The crash
//! test checks afterwards that each of them is still on record.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::Path,
    sync::Mutex,
};

pub struct AckLog(Mutex<BufWriter<File>>);

impl AckLog {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self(Mutex::new(BufWriter::new(File::create(path)?))))
    }

    pub fn record(&self, decision_id: &str, step: &str) {
        let mut file = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Written through at once: the log must hold every acknowledgement when the run ends.
        let _ = writeln!(file, "{decision_id} {step}").and_then(|()| file.flush());
    }
}

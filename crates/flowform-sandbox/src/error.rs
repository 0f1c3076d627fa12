//! Errors of the sandbox itself (starting, loading, saving), as opposed to the AWS errors it
//! answers requests with, which live in `protocol`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox could not listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("the sandbox could not read its data file {path}: {source}")]
    ReadData {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the sandbox data file {path} is not valid sandbox data ({source}); move it away to start empty"
    )]
    ParseData {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the sandbox data file {path} is damaged at line {line} ({message}); repair or remove that line, or move the file away to start empty"
    )]
    CorruptData {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "the sandbox data file {path} has the format {format:?}, which this sandbox cannot read (it reads flowform-sandbox/1 and flowform-sandbox/2); a newer flowform may have written it"
    )]
    UnknownDataFormat { path: PathBuf, format: String },
    #[error("the sandbox could not save its data to {path}: {source}")]
    WriteData {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the data file {path} is in use by another sandbox; stop it or choose another file")]
    DataInUse { path: PathBuf },
    #[error("the configuration is invalid: {0}")]
    Config(String),
    #[error("the sandbox server stopped with an error: {0}")]
    Serve(#[source] std::io::Error),
}

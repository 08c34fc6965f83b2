//! Where attachments' bytes live: one [`object_store`] interface over a local directory (the
//! embedded default, created on first start) and any S3-compatible bucket (`s3://bucket/prefix`,
//! credentials and endpoint from the standard `AWS_*` variables). Writes stream in parts, so
//! a large file never sits in memory whole.

use std::sync::Arc;

use axum::body::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{AppError, AppResult};

/// Bytes read from a file at a time.
const READ_CHUNK: usize = 256 * 1024;
/// The part size of a streamed write to a bucket (S3's smallest part is 5 MiB).
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// The part size of a streamed write to a local directory.
const LOCAL_PART_BYTES: usize = 1024 * 1024;
/// Parts of one write in flight at once: with the part being filled, what one upload holds in
/// memory is at most three parts.
const PARTS_IN_FLIGHT: usize = 2;

/// The attachment store and the prefix every key lies under.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// The size of each part of a streamed write.
    part_bytes: usize,
    /// How the store was configured, for logs (never credentials).
    pub description: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

fn storage_error(err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "attachment storage failed");
    AppError::new(
        crate::error::ErrorCode::ServiceUnavailable,
        "The file store is not answering; try again",
    )
}

impl Storage {
    /// The store `url` names: `file:///dir` or `file://relative/dir` (created if missing), or
    /// `s3://bucket[/prefix]`.
    pub fn open(url: &str) -> Result<Self, String> {
        if let Some(dir) = url.strip_prefix("file://") {
            let dir = if dir.is_empty() { "." } else { dir };
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the attachment directory {dir}: {e}"))?;
            let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| format!("cannot open the attachment directory {dir}: {e}"))?
                .with_automatic_cleanup(true);
            return Ok(Self {
                store: Arc::new(store),
                prefix: Path::default(),
                part_bytes: LOCAL_PART_BYTES,
                description: format!("directory {dir}"),
            });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err("an s3:// storage URL names a bucket".into());
            }
            let store = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| format!("cannot configure the S3 store: {e}"))?;
            return Ok(Self {
                store: Arc::new(store),
                prefix: Path::parse(prefix).map_err(|e| format!("bad S3 prefix: {e}"))?,
                part_bytes: S3_PART_BYTES,
                description: format!("bucket {bucket}"),
            });
        }
        Err("SALESGRAPH_STORAGE_URL is file://… or s3://…".into())
    }

    fn path(&self, key: &str) -> Path {
        key.split('/')
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    /// Streams `file` (from its start) to `key` in parts: the number of bytes written. On
    /// failure the partial upload is aborted.
    pub async fn put_file(&self, key: &str, mut file: std::fs::File) -> AppResult<u64> {
        // A handle may share its offset with a clone that has read it already.
        std::io::Seek::rewind(&mut file).map_err(storage_error)?;
        let mut file = tokio::fs::File::from_std(file);
        let mut writer =
            BufWriter::with_capacity(self.store.clone(), self.path(key), self.part_bytes)
                .with_max_concurrency(PARTS_IN_FLIGHT);
        let mut written = 0u64;
        let mut shutting_down = false;
        let outcome: Result<(), String> = async {
            loop {
                let mut chunk = vec![0u8; READ_CHUNK];
                let read = file.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if read == 0 {
                    break;
                }
                chunk.truncate(read);
                written += read as u64;
                writer
                    .put(Bytes::from(chunk))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            shutting_down = true;
            writer.shutdown().await.map_err(|e| e.to_string())
        }
        .await;
        if let Err(err) = outcome {
            // Parts sent so far are dropped (a writer that failed while finishing has ended
            // its upload itself); the row's removal or the sweep takes any object.
            if !shutting_down {
                let _ = writer.abort().await;
            }
            return Err(storage_error(err));
        }
        Ok(written)
    }

    /// The object's bytes as a stream (read part by part, never whole).
    pub async fn get(&self, key: &str) -> AppResult<BoxStream<'static, std::io::Result<Bytes>>> {
        let found = self
            .store
            .get(&self.path(key))
            .await
            .map_err(storage_error)?;
        Ok(found.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// Removes the object; one already gone counts as removed.
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(storage_error(err)),
        }
    }

    /// Whether an object is stored under `key`.
    pub async fn exists(&self, key: &str) -> AppResult<bool> {
        match self.store.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(storage_error(err)),
        }
    }

    /// Every key under `prefix` (for tests and the operator's checks).
    pub async fn keys(&self, prefix: &str) -> AppResult<Vec<String>> {
        let base = self.path(prefix);
        let listed: Vec<_> = self
            .store
            .list(Some(&base))
            .try_collect()
            .await
            .map_err(storage_error)?;
        Ok(listed
            .into_iter()
            .map(|meta| meta.location.to_string())
            .collect())
    }
}

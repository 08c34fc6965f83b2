//! Requests with files: the GraphQL multipart request spec (`operations`, then `map`, then one
//! part per file), as Apollo's and urql's upload links send it. The operations are parsed and
//! checked exactly as a JSON body is; each file streams to an anonymous temporary file as it
//! arrives, so memory stays bounded whatever the size. Limits: the operations part as the JSON
//! body limit, `SALESGRAPH_UPLOAD_MAX_FILES` files of `SALESGRAPH_UPLOAD_MAX_BYTES` each.

use std::collections::HashMap;
use std::io::Seek;

use async_graphql::{BatchRequest, UploadValue};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use tokio::io::AsyncWriteExt;

use super::HttpState;
use super::over_http::{error_response, parse_batch};
use crate::error::ErrorCode;

/// The media type of a request with files.
pub(super) const MULTIPART: &str = "multipart/form-data";
/// Whether a request carries files for GraphQL (a multipart POST to `/graphql`).
pub(super) fn is_upload(request: &axum::http::Request<Body>) -> bool {
    request.method() == axum::http::Method::POST
        && request.uri().path() == "/graphql"
        && request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with(MULTIPART))
}

/// Routes each request to one of two stacks of the same routes: requests with files to
/// `uploads` (their body limit and timeout), all others to `normal`.
#[derive(Clone)]
pub(super) struct ByBody<S> {
    pub normal: S,
    pub uploads: S,
}

impl<S> tower::Service<axum::http::Request<Body>> for ByBody<S>
where
    S: tower::Service<axum::http::Request<Body>> + Clone,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tower::util::Oneshot<S, axum::http::Request<Body>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // Each call waits for its own stack's readiness (`Oneshot`).
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::http::Request<Body>) -> Self::Future {
        let stack = if is_upload(&request) {
            self.uploads.clone()
        } else {
            self.normal.clone()
        };
        tower::util::Oneshot::new(stack, request)
    }
}

/// The largest `map` part.
const MAX_MAP_BYTES: u64 = 64 * 1024;

/// Reads a multipart request into its operations with their files attached. Errors are ready
/// responses: 400 for a malformed request, 413 for one over a limit.
pub(super) async fn receive(
    state: &HttpState,
    media: &'static str,
    rid: &str,
    content_type: &str,
    body: Body,
) -> Result<BatchRequest, Box<Response>> {
    let config = &state.app.config;
    let bad = |message: &str| {
        Box::new(error_response(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadUserInput,
            message,
            rid,
        ))
    };
    let too_large = |message: &str| {
        Box::new(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            media,
            ErrorCode::FileTooLarge,
            message,
            rid,
        ))
    };
    let read_failed = |err: multer::Error| match err {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large(&format!(
                "A file holds at most {} bytes, and the operations part at most {}",
                config.upload_max_bytes, config.body_limit_bytes
            ))
        }
        _ => bad("The multipart request cannot be read"),
    };
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("A multipart request needs its boundary"))?;
    let limits = multer::SizeLimit::new()
        .whole_stream(config.upload_body_limit() as u64)
        .per_field(config.upload_max_bytes)
        .for_field("operations", config.body_limit_bytes as u64)
        .for_field("map", MAX_MAP_BYTES);
    let mut multipart = multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut operations: Option<BatchRequest> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files = 0u64;
    while let Some(mut field) = multipart.next_field().await.map_err(read_failed)? {
        match field.name() {
            Some("operations") if operations.is_none() => {
                let bytes = field.bytes().await.map_err(read_failed)?;
                operations = Some(parse_batch(state, media, rid, &bytes)?);
            }
            Some("map") if operations.is_some() && map.is_none() => {
                let bytes = field.bytes().await.map_err(read_failed)?;
                let parsed: HashMap<String, Vec<String>> = serde_json::from_slice(&bytes)
                    .map_err(|_| bad("`map` must be a JSON object of arrays of paths"))?;
                if parsed.len() as u64 > config.upload_max_files
                    || parsed.values().map(Vec::len).sum::<usize>() > 100
                {
                    return Err(too_large(&format!(
                        "A request carries at most {} files",
                        config.upload_max_files
                    )));
                }
                map = Some(parsed);
            }
            Some(name) => {
                let (Some(request), Some(map)) = (operations.as_mut(), map.as_mut()) else {
                    return Err(bad("Send `operations`, then `map`, then the files"));
                };
                let Some(paths) = map.remove(name) else {
                    return Err(bad("A file part is not named in `map`"));
                };
                files += 1;
                if files > config.upload_max_files {
                    return Err(too_large(&format!(
                        "A request carries at most {} files",
                        config.upload_max_files
                    )));
                }
                let filename = field.file_name().unwrap_or("file").to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let stored = spool(&mut field).await.map_err(|err| match err {
                    Spool::Read(err) => read_failed(err),
                    Spool::Disk => Box::new(error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        media,
                        ErrorCode::ServiceUnavailable,
                        "The upload could not be buffered; try again",
                        rid,
                    )),
                })?;
                let upload = UploadValue {
                    filename,
                    content_type,
                    content: stored,
                };
                attach(request, &paths, &upload).map_err(|()| bad("A file path is not valid"))?;
            }
            None => return Err(bad("Every part of the request is named")),
        }
    }
    match (operations, map) {
        (Some(operations), Some(map)) if map.is_empty() => Ok(operations),
        (Some(_), Some(_)) => Err(bad("A file named in `map` was not sent")),
        _ => Err(bad("A multipart request carries `operations` and `map`")),
    }
}

/// Why a file could not be spooled.
enum Spool {
    Read(multer::Error),
    Disk,
}

/// Writes a file part to an anonymous temporary file, chunk by chunk, rewound for reading.
async fn spool(field: &mut multer::Field<'static>) -> Result<std::fs::File, Spool> {
    let mut file = tempfile::tempfile().map_err(|_| Spool::Disk)?;
    let mut writer = tokio::fs::File::from_std(file.try_clone().map_err(|_| Spool::Disk)?);
    while let Some(chunk) = field.chunk().await.map_err(Spool::Read)? {
        writer.write_all(&chunk).await.map_err(|_| Spool::Disk)?;
    }
    writer.flush().await.map_err(|_| Spool::Disk)?;
    drop(writer);
    file.rewind().map_err(|_| Spool::Disk)?;
    Ok(file)
}

/// Puts the file at each of its paths (`variables.input.file`, or `0.variables…` in a batch).
fn attach(request: &mut BatchRequest, paths: &[String], upload: &UploadValue) -> Result<(), ()> {
    for path in paths {
        let value = upload.try_clone().map_err(|_| ())?;
        match request {
            BatchRequest::Single(single) => single.set_upload(path, value),
            BatchRequest::Batch(items) => {
                let (index, rest) = path.split_once('.').ok_or(())?;
                let index: usize = index.parse().map_err(|_| ())?;
                items.get_mut(index).ok_or(())?.set_upload(rest, value);
            }
        }
    }
    Ok(())
}

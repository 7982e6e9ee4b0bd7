//! The answer encoding of every server function: JSON, read from text.
//!
//! A page's data reaches the browser twice: in the server-rendered page, which hydration reads
//! back with `serde_json::from_str` (Leptos' resources), and as a server function's answer,
//! which server_fn's own `Json` reads with `serde_json::from_slice`. Those are two deserializers
//! (`StrRead` and `SliceRead`) for every answer type, so the browser bundle carried the whole
//! JSON reading code twice: `twiggy top` on the unoptimised bundle showed 652 kB of
//! `serde_json::de`, in pairs of functions ten bytes apart. Reading answers as text, like
//! hydration does, keeps one. The wire format is unchanged (`application/json`, the same bytes),
//! so scripts, tests and the no-JavaScript forms see no difference.

use bytes::{BufMut, Bytes, BytesMut};
use leptos::server_fn::codec::Post;
use leptos::server_fn::{ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// JSON like server_fn's `JsonEncoding`, decoded from a `&str` instead of a byte slice.
pub struct JsonTextEncoding;

/// `#[server(output = JsonText)]`: POST, answers as JSON read from text.
pub type JsonText = Post<JsonTextEncoding>;

impl ContentType for JsonTextEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonTextEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }

    fn encode_into(output: &T, buf: &mut BytesMut) -> Result<(), Self::Error> {
        serde_json::to_writer(buf.writer(), output)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| serde::de::Error::custom("the answer is not UTF-8 JSON"))?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    struct Answer {
        name: String,
        count: u32,
    }

    #[test]
    fn answers_round_trip_as_the_same_json_bytes_as_server_fns_own_codec() {
        let answer = Answer {
            name: "refund-bot ✓".into(),
            count: 3,
        };
        let bytes = <JsonTextEncoding as Encodes<Answer>>::encode(&answer).unwrap();
        assert_eq!(&bytes[..], serde_json::to_vec(&answer).unwrap().as_slice());
        let back: Answer = <JsonTextEncoding as Decodes<Answer>>::decode(bytes).unwrap();
        assert_eq!(back, answer);
    }

    /// A server function left on server_fn's default output would bring the second JSON
    /// reader back into the bundle for its answer type, silently: this names it instead.
    #[test]
    fn every_server_function_answers_as_json_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            for line in source.lines().map(str::trim) {
                if line.starts_with("#[server(endpoint")
                    && !line.contains("output = crate::api::codec::JsonText")
                {
                    missing.push(format!("{}: {line}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "server functions without `output = JsonText`: {missing:#?}"
        );
    }

    #[test]
    fn bad_answers_are_errors_not_panics() {
        for bad in [&b"{\"name\": 1}"[..], b"\xff\xfe", b""] {
            let decoded =
                <JsonTextEncoding as Decodes<Answer>>::decode(Bytes::copy_from_slice(bad));
            assert!(decoded.is_err(), "{bad:?} decoded");
        }
    }
}

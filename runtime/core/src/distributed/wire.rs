//! One connection to a broker speaking Kafka's protocol directly (the
//! messages from the `kafka-protocol` crate): what librdkafka does not
//! offer, a group of protocol type `connect`.

use bytes::{Bytes, BytesMut};
use ferry_api::{ConnectError, Result};
use kafka_protocol::messages::{RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Larger responses than this are refused rather than allocated.
const MAX_RESPONSE: usize = 64 << 20;

pub struct Connection {
    address: String,
    stream: TcpStream,
    correlation: i32,
    client_id: StrBytes,
}

fn io_error(address: &str, e: impl std::fmt::Display) -> ConnectError {
    ConnectError::retriable(format!("Kafka broker {address}: {e}"))
}

impl Connection {
    pub async fn open(address: &str, client_id: &str) -> Result<Self> {
        let stream = TcpStream::connect(address).await.map_err(|e| io_error(address, e))?;
        stream.set_nodelay(true).map_err(|e| io_error(address, e))?;
        Ok(Self { address: address.to_owned(), stream, correlation: 0, client_id: StrBytes::from_string(client_id.to_owned()) })
    }

    /// Sends `request` at `version` and reads its response, waiting at most
    /// `within`: a broker that never answers must not stall the worker. After
    /// a timeout the connection is out of step and must be dropped.
    pub async fn call<R: Request>(&mut self, request: &R, version: i16, within: std::time::Duration) -> Result<R::Response> {
        let address = self.address.clone();
        tokio::time::timeout(within, self.exchange(request, version))
            .await
            .unwrap_or_else(|_| Err(io_error(&address, format!("no answer to API {} within {within:?}", R::KEY))))
    }

    async fn exchange<R: Request>(&mut self, request: &R, version: i16) -> Result<R::Response> {
        self.correlation = self.correlation.wrapping_add(1);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation)
            .with_client_id(Some(self.client_id.clone()));
        let mut out = BytesMut::new();
        let encoded = header.encode(&mut out, R::header_version(version)).and_then(|()| request.encode(&mut out, version));
        encoded.map_err(|e| ConnectError::fatal(format!("Cannot encode a request (API {} v{version}): {e}", R::KEY)))?;
        let size = i32::try_from(out.len()).map_err(|_| ConnectError::fatal("request too large"))?;
        let address = self.address.clone();
        self.stream.write_i32(size).await.map_err(|e| io_error(&address, e))?;
        self.stream.write_all(&out).await.map_err(|e| io_error(&address, e))?;
        let size = self.stream.read_i32().await.map_err(|e| io_error(&address, e))?;
        let size = usize::try_from(size).ok().filter(|s| *s <= MAX_RESPONSE).ok_or_else(|| io_error(&address, format!("a response of {size} bytes")))?;
        let mut body = vec![0; size];
        self.stream.read_exact(&mut body).await.map_err(|e| io_error(&address, e))?;
        let mut body = Bytes::from(body);
        let malformed = |e: &dyn std::fmt::Display| io_error(&address, format!("malformed response to API {} v{version}: {e}", R::KEY));
        let header = ResponseHeader::decode(&mut body, R::Response::header_version(version)).map_err(|e| malformed(&e))?;
        if header.correlation_id != self.correlation {
            return Err(io_error(&address, format!("response {} to request {}", header.correlation_id, self.correlation)));
        }
        R::Response::decode(&mut body, version).map_err(|e| malformed(&e))
    }
}

import Foundation
import Hummingbird
import Ingest
import Metrics
import MetricStore
import OspreyCore

/// `POST /api/v1/write`: Prometheus remote write v1 (snappy-compressed protobuf).
/// A malformed request gets a 400 naming the problem and stores nothing; samples the store refuses
/// (a duplicate timestamp with a different value) get a 400 naming the first, and the rest of the
/// batch is stored, as Prometheus does. 2xx means every accepted sample is in the WAL.
struct RemoteWriteHandler: Sendable {
    let store: StoreHandle
    let limits: RemoteWriteLimits
    /// When set, samples go through the sink (which forwards them after the commit) instead of straight to the store.
    var sink: SampleSink? = nil
    let badRequests = Counter(label: "osprey_remote_write_invalid_requests_total")

    func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let db = store.writable else {
            return text("the metric store is not accepting writes yet (opening or shutting down)\n", status: .serviceUnavailable)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.bodyBytesMax {
            badRequests.increment()
            return text("request body is \(length) bytes, over the limit of \(limits.bodyBytesMax) bytes\n", status: .badRequest)
        }
        var req = request
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: limits.bodyBytesMax) } catch {
            badRequests.increment()
            return text("request body is over the limit of \(limits.bodyBytesMax) bytes\n", status: .badRequest)
        }
        let body = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        let decoded: DecodedWriteRequest
        do { decoded = try RemoteWriteDecoder.decode(snappyBody: body, limits: limits) } catch {
            badRequests.increment()
            return text("bad remote write request: \(error.message)\n", status: .badRequest)
        }
        let batch = EncodedBatch(
            keyBytes: decoded.keyBytes,
            series: decoded.series.map { .init(keyStart: $0.keyStart, keyEnd: $0.keyEnd, sampleStart: $0.sampleStart, sampleEnd: $0.sampleEnd) },
            timestamps: decoded.timestamps, values: decoded.values)
        let result: CommitResult
        do {
            if let sink {
                result = try sink.write(batch)
            } else {
                let app = db.appender()
                app.append(batch)
                result = try app.commit()
            }
        } catch let e as SampleSinkError {
            return text("\(e)\n", status: .serviceUnavailable)
        } catch {
            return text("storing samples failed: \(error)\n", status: .internalServerError)
        }
        if result.rejectedCount > 0 {
            let first = result.rejected.first.map { "\($0)" } ?? ""
            return text("\(result.rejectedCount) of \(decoded.sampleCount) samples rejected, the rest stored; first: \(first)\n", status: .badRequest)
        }
        return Response(status: .noContent)
    }
}

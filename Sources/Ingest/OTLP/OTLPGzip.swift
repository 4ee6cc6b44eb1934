import CZlib
import Foundation

/// gzip decompression for OTLP bodies (`Content-Encoding: gzip`, `grpc-encoding: gzip`), through zlib.
/// Minimal on purpose: it will be folded into the shared `Gzip` of Ingest/Exposition once both exist
/// on one branch.
enum OTLPGzip {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Inflates a gzip stream (concatenated members are read one after the other). Throws when the
    /// data is not gzip, is corrupt or truncated, or would inflate to more than `limit` bytes.
    static func decompress(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        guard input.count >= 2, input[0] == 0x1F, input[1] == 0x8B else {
            throw Failure(description: "gzip: the body does not start with the gzip magic bytes 1f 8b")
        }
        var stream = z_stream()
        // 16 + 15: a gzip wrapper around a deflate stream with the largest window.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "gzip: zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        let chunkBytes = 64 << 10
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        return try input.withUnsafeBufferPointer { (inBuf) throws(Failure) -> [UInt8] in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                guard output.count + produced <= limit else {
                    throw Failure(description: "gzip: the body inflates to more than \(limit) bytes, the limit (decodedBytesMax)")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (concatenated streams are valid gzip).
                    if stream.avail_in == 0 { return output }
                    guard inflateReset(&stream) == Z_OK else { throw Failure(description: "gzip: zlib could not be reset") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where produced > 0:
                    continue
                case Z_BUF_ERROR:
                    throw Failure(description: "gzip: the body is truncated (the compressed stream ends early)")
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw Failure(description: "gzip: the body is corrupt (\(reason)) after \(Int(stream.total_in)) compressed bytes")
                }
            }
        }
    }
}

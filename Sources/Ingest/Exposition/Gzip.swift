import CZlib

/// gzip (and zlib) bodies: scrape responses with `Content-Encoding: gzip`, and other ingest paths.
///
/// ```
/// let plain = Gzip.isGzip(body) ? try Gzip.decompress(body, limit: bodyBytesMax) : body
/// ```
public enum Gzip {
    /// Why a body could not be decompressed.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable, Equatable {
        public let message: String
        public var description: String { message }
    }

    /// Whether `bytes` starts with the gzip magic number (1f 8b).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a gzip or zlib stream (header detected); concatenated gzip members are joined.
    /// Throws for truncated or corrupt input, for bytes after the end of the stream, and as soon as the
    /// output would exceed `limit` bytes, so a small hostile body cannot make a large allocation.
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(Gzip.Error) -> [UInt8] {
        precondition(limit >= 0, "BUG: negative gzip output limit")
        guard bytes.count <= Int(UInt32.max) else { throw Error(message: "gzip input of \(bytes.count) bytes is over 4 GiB") }
        var stream = z_stream()
        // windowBits 15 + 32: the largest window, with automatic gzip/zlib header detection.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Error(message: "cannot initialise zlib for decompression")
        }
        defer { inflateEnd(&stream) }

        var out = [UInt8](repeating: 0, count: min(limit + 1, max(bytes.count * 4, 4096)))
        var produced = 0
        try bytes.withUnsafeBufferPointer { (input) throws(Gzip.Error) in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                if produced == out.count {
                    let grown = min(out.count * 2, limit + 1)
                    if grown <= out.count { throw overLimit(limit) }
                    out.append(contentsOf: repeatElement(0, count: grown - out.count))
                }
                let status = out.withUnsafeMutableBufferPointer { o -> Int32 in
                    stream.next_out = o.baseAddress! + produced
                    stream.avail_out = UInt32(o.count - produced)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced = o.count - Int(stream.avail_out)
                    return status
                }
                if produced > limit { throw overLimit(limit) }
                switch status {
                case Z_STREAM_END:
                    let rest = Int(stream.avail_in)
                    if rest == 0 { return }
                    let at = input.count - rest
                    guard rest >= 2, input[at] == 0x1F, input[at + 1] == 0x8B else {
                        throw Error(message: "\(rest) unexpected bytes after the end of the gzip stream at offset \(at)")
                    }
                    inflateReset(&stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw Error(message: "gzip stream is truncated: it ends after \(input.count) bytes without its end marker")
                case Z_BUF_ERROR:
                    continue
                case Z_MEM_ERROR:
                    throw Error(message: "out of memory while decompressing gzip")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    throw Error(message: "corrupt gzip data at input offset \(input.count - Int(stream.avail_in)): \(detail)")
                }
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    /// Compresses `bytes` as one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: the largest window with a gzip header; memLevel 8 is zlib's default.
        let initStatus = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "BUG: deflateInit2 failed with \(initStatus)")
        defer { deflateEnd(&stream) }
        precondition(bytes.count <= Int(UInt32.max), "BUG: gzip input over 4 GiB")
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        let written = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { o -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "BUG: deflate into a deflateBound buffer returned \(status)")
                return o.count - Int(stream.avail_out)
            }
        }
        out.removeSubrange(written...)
        return out
    }

    private static func overLimit(_ limit: Int) -> Error {
        Error(message: "decompressed body is over the limit of \(limit) bytes")
    }
}

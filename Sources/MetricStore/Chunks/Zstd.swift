import CZstd

/// zstd compression of block chunk frames.
enum Zstd {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { "zstd: \(message)" }
    }

    static func compress(_ input: [UInt8], level: Int32) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, input.count, level)
            }
        }
        if ZSTD_isError(n) != 0 { throw Failure(message: String(cString: ZSTD_getErrorName(n))) }
        out.removeSubrange(n...)
        return out
    }

    static func decompress(_ input: UnsafeRawBufferPointer, rawBytes: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rawBytes)
        let n = out.withUnsafeMutableBytes { dst in
            ZSTD_decompress(dst.baseAddress, rawBytes, input.baseAddress, input.count)
        }
        if ZSTD_isError(n) != 0 { throw Failure(message: String(cString: ZSTD_getErrorName(n))) }
        guard n == rawBytes else { throw Failure(message: "frame decompressed to \(n) bytes, index says \(rawBytes)") }
        return out
    }
}

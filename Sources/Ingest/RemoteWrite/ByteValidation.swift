import OspreyCore
import Foundation

@inline(__always)
func varintSize(_ n: Int) -> Int {
    var v = UInt(n), size = 1
    while v >= 0x80 {
        v >>= 7
        size += 1
    }
    return size
}

/// Whether all of `p[0..<n]` is below 0x80, 8 bytes at a time.
@inline(__always)
func isASCII(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let raw = UnsafeRawPointer(p)
    let high: UInt64 = 0x8080_8080_8080_8080
    guard n >= 8 else {
        var i = 0
        while i < n {
            if p[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }
    var seen: UInt64 = 0
    var i = 0
    while i + 8 <= n {
        seen |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    // The last word overlaps what was already seen; no byte loop for the tail.
    seen |= raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    return seen & high == 0
}

/// Offset of the first byte that makes `p[0..<n]` invalid UTF-8 (overlong forms, surrogates and
/// code points over U+10FFFF are invalid), or nil when it is valid. ASCII is checked 8 bytes at a time.
@inline(__always)
func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
        i += 8
    }
    while i < n && p[i] < 0x80 { i += 1 }
    if i == n { return nil }
    return firstInvalidUTF8Slow(p, n, from: i)
}

@inline(never)
func firstInvalidUTF8Slow(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> Int? {
    var i = from
    @inline(__always) func isContinuation(_ k: Int) -> Bool { k < n && p[k] & 0xC0 == 0x80 }
    while i < n {
        let b0 = p[i]
        if b0 < 0x80 {
            i += 1
            continue
        }
        if b0 < 0xC2 { return i }  // stray continuation byte, or overlong 2-byte form
        if b0 < 0xE0 {
            guard isContinuation(i + 1) else { return i }
            i += 2
        } else if b0 < 0xF0 {
            guard i + 1 < n else { return i }
            let b1 = p[i + 1]
            let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80  // E0 80..9F would be overlong
            let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF  // ED A0..BF would be a surrogate
            guard b1 >= low && b1 <= high, isContinuation(i + 2) else { return i }
            i += 3
        } else if b0 < 0xF5 {
            guard i + 1 < n else { return i }
            let b1 = p[i + 1]
            let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80  // F0 80..8F would be overlong
            let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF  // F4 90.. would be over U+10FFFF
            guard b1 >= low && b1 <= high, isContinuation(i + 2), isContinuation(i + 3) else { return i }
            i += 4
        } else {
            return i
        }
    }
    return nil
}

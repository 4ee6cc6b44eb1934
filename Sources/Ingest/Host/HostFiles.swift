#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why one host collector could not produce its metrics: the file and what was wrong with it.
struct HostCollectorError: Error, CustomStringConvertible, Sendable {
    let path: String
    let message: String
    var description: String { "\(path): \(message)" }
}

/// The largest /proc or /sys file a host collector reads. The biggest one read here is
/// /proc/<pid>/mounts or /proc/diskstats on a host with thousands of mounts or devices, well under
/// this; a file growing past it is cut rather than read without bound on every scrape.
let hostFileBytesMax = 4 << 20

/// Reads a whole (pseudo-)file. /proc files report size 0, so this reads until end of file
/// instead of trusting stat. Throws `HostCollectorError` naming the path when it cannot be
/// opened; `ENOENT` is reported as "does not exist" so callers can treat absent files as absent.
func readHostFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        let code = errno
        throw HostCollectorError(path: path, message: code == ENOENT ? "does not exist" : "cannot open: \(hostErrnoText(code))")
    }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    var used = 0
    while true {
        if used == buffer.count {
            if buffer.count >= hostFileBytesMax { break }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        let n = buffer.withUnsafeMutableBytes { raw in
            read(fd, raw.baseAddress! + used, raw.count - used)
        }
        if n < 0 {
            let code = errno
            if code == EINTR { continue }
            throw HostCollectorError(path: path, message: "read failed: \(hostErrnoText(code))")
        }
        if n == 0 { break }
        used += n
    }
    return String(decoding: buffer[0..<used], as: UTF8.self)
}

/// Reads a file that may legitimately be absent on some kernels or in containers: nil when it
/// does not exist or cannot be read.
func readOptionalHostFile(_ path: String) -> String? {
    try? readHostFile(path)
}

/// Whether `error` says the file was not there at all (as opposed to unreadable or malformed).
func isMissingFile(_ error: Error) -> Bool {
    (error as? HostCollectorError)?.message == "does not exist"
}

/// Names in a directory, sorted (byte order), without `.` and `..`; empty when it cannot be read.
func listHostDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        names.append(name)
    }
    names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    return names
}

func hostErrnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Joins a base directory and a relative path the way Go's filepath.Join does for these cases.
func joinHostPath(_ base: String, _ rest: String) -> String {
    if rest.isEmpty { return base }
    let trimmedRest = rest.hasPrefix("/") ? String(rest.dropFirst()) : rest
    if base.hasSuffix("/") { return base + trimmedRest }
    return base + "/" + trimmedRest
}

/// Splits on runs of spaces, tabs and line ends, like Go's strings.Fields for these ASCII files.
@inline(__always)
func hostFields(_ line: Substring) -> [Substring] {
    line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
}

/// Lines of a file, empty lines dropped.
@inline(__always)
func hostLines(_ text: String) -> [Substring] {
    text.split(separator: "\n")
}

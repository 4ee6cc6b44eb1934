import Foundation
import OspreyCore

/// A test-harness failure with a message that says what to do about it.
struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where things are: the package, the osprey binary, the Debian binaries the interop test runs.
enum TestEnvironment {
    /// The package root; this file is `<root>/Tests/EndToEndTests/Support/Environment.swift`.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `OSPREY_BIN`, or the debug build in the package.
    static func ospreyBinary() throws -> String {
        let path = ProcessInfo.processInfo.environment["OSPREY_BIN"] ?? packageRoot + "/.build/debug/osprey"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw E2EError("the osprey binary is not at \(path): run `swift build --product osprey` first (or set OSPREY_BIN)")
        }
        return path
    }

    /// A system binary a test needs; missing means the machine was not set up.
    static func systemBinary(_ path: String, package: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw E2EError("\(path) is missing (Debian package \(package)): run `make deps` first")
        }
        return path
    }

    /// The seed of a randomized test: `OSPREY_E2E_SEED` when set, so a failure can be replayed.
    static func seed(default value: UInt64) -> UInt64 {
        ProcessInfo.processInfo.environment["OSPREY_E2E_SEED"].flatMap { UInt64($0) } ?? value
    }
}

/// Runs `body` with a fresh directory under the system temp directory and removes it afterwards.
/// Set `OSPREY_E2E_KEEP=1` to keep it (its path is printed) for looking at data and logs after a failure.
func withTemporaryDirectory<T>(_ prefix: String, _ body: (String) throws -> T) throws -> T {
    var template = Array((NSTemporaryDirectory() + "/osprey-e2e-\(prefix)-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw E2EError("mkdtemp failed: errno \(errno)") }
    let path = String(cString: made)
    let keep = ProcessInfo.processInfo.environment["OSPREY_E2E_KEEP"] == "1"
    defer {
        if keep { print("kept test directory \(path)") } else { try? FileManager.default.removeItem(atPath: path) }
    }
    return try body(path)
}

/// A 127.0.0.1 TCP port that was free a moment ago: bind port 0 and read back what the kernel chose.
func freeLocalPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw E2EError("socket: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw E2EError("bind 127.0.0.1:0: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw E2EError("getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Polls `condition` every `intervalMs` until it is true or `timeoutSeconds` pass; returns whether it became true.
func poll(timeoutSeconds: Double, intervalMs: Int = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        usleep(useconds_t(intervalMs * 1000))
    }
}


import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<dir>/lock`: a second server pointed at the same data directory fails
/// at start instead of corrupting the first one's WAL and head chunk files. The kernel drops the
/// lock when the process dies, so a crash never leaves the directory locked.
enum DirectoryLock {
    static func acquire(_ dir: String) throws -> Int32 {
        let path = dir + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.io("open \(path): \(FileIO.errnoText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError.io("\(dir) is in use by another Osprey process (\(path) is locked); stop it or choose another --data directory")
        }
        return fd
    }

    static func release(_ fd: Int32) {
        if fd >= 0 { close(fd) }
    }
}

import OspreyCore
import Foundation

/// A few reusable scratch buffers (for transient data that never leaves one call). Buffers larger than
/// `bufferBytesMax` are allocated for the call and freed after; at most `buffersMax` are kept.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [UnsafeMutableRawBufferPointer] = []
    let buffersMax: Int
    let bufferBytesMax: Int
    /// Smallest buffer handed out, so small requests share buffers instead of each growing their own.
    static let bufferBytesMin = 64 << 10

    init(buffersMax: Int, bufferBytesMax: Int) {
        self.buffersMax = buffersMax
        self.bufferBytesMax = bufferBytesMax
    }

    deinit {
        for b in free { b.deallocate() }
    }

    /// A buffer of at least `minimumBytes` (contents undefined); hand it back with `give`.
    func take(minimumBytes: Int) -> UnsafeMutableRawBufferPointer {
        lock.lock()
        if let i = free.lastIndex(where: { $0.count >= minimumBytes }) {
            let b = free.remove(at: i)
            lock.unlock()
            return b
        }
        lock.unlock()
        // Round up to a power of two so a buffer serves the next somewhat larger request too.
        var size = Self.bufferBytesMin
        while size < minimumBytes && size < bufferBytesMax { size <<= 1 }
        return .allocate(byteCount: max(size, minimumBytes), alignment: 16)
    }

    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count <= bufferBytesMax else {
            buffer.deallocate()
            return
        }
        lock.lock()
        if free.count < buffersMax {
            free.append(buffer)
            lock.unlock()
            return
        }
        // Full: keep the larger buffers, they serve every request a smaller one would.
        let smallest = free.indices.min { free[$0].count < free[$1].count }!
        var dropped = buffer
        if free[smallest].count < buffer.count {
            dropped = free[smallest]
            free[smallest] = buffer
        }
        lock.unlock()
        dropped.deallocate()
    }
}

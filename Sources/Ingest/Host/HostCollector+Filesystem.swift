#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch

/// How long a statfs may take before its mount point counts as stuck (a hung NFS server, say).
/// node_exporter's `--collector.filesystem.mount-timeout` default, 5 s: far above a healthy
/// statfs, well below a scrape timeout.
let hostStatfsTimeoutSeconds = 5

extension HostCollector {
    struct MountEntry: Hashable {
        let device: String
        let mountPoint: String
        let fsType: String
        let options: String
    }

    /// node_filesystem_* for each mount of /proc/1/mounts (or /proc/mounts when pid 1's is
    /// hidden), minus node_exporter 1.5's default exclusions of mount points and file system types.
    /// A mount whose statfs fails or hangs gets only `node_filesystem_device_error 1`.
    func collectFilesystem(into set: inout HostMetricSet) throws {
        let mounts = try readMounts()
        var seen: Set<MountEntry> = []
        for mount in mounts {
            if isExcludedMountPoint(mount.mountPoint) || isExcludedFSType(mount.fsType) { continue }
            guard seen.insert(mount).inserted else { continue }
            let labels = [("device", mount.device), ("fstype", mount.fsType), ("mountpoint", mount.mountPoint)]
            guard let stats = statfsWithTimeout(mount.mountPoint) else {
                set.add("node_filesystem_device_error", .gauge,
                        "Whether an error occurred while getting statistics for the given device.", 1, labels)
                continue
            }
            let blockSize = Double(stats.f_bsize)
            let readOnly = mount.options.split(separator: ",").contains("ro") ? 1.0 : 0.0
            set.add("node_filesystem_device_error", .gauge,
                    "Whether an error occurred while getting statistics for the given device.", 0, labels)
            set.add("node_filesystem_size_bytes", .gauge, "Filesystem size in bytes.",
                    Double(stats.f_blocks) * blockSize, labels)
            set.add("node_filesystem_free_bytes", .gauge, "Filesystem free space in bytes.",
                    Double(stats.f_bfree) * blockSize, labels)
            set.add("node_filesystem_avail_bytes", .gauge, "Filesystem space available to non-root users in bytes.",
                    Double(stats.f_bavail) * blockSize, labels)
            set.add("node_filesystem_files", .gauge, "Filesystem total file nodes.", Double(stats.f_files), labels)
            set.add("node_filesystem_files_free", .gauge, "Filesystem total free file nodes.",
                    Double(stats.f_ffree), labels)
            set.add("node_filesystem_readonly", .gauge, "Filesystem read-only status.", readOnly, labels)
        }
    }

    func readMounts() throws -> [MountEntry] {
        var path = procFile("1/mounts")
        let text: String
        do {
            text = try readHostFile(path)
        } catch where isMissingFile(error) {
            path = procFile("mounts")
            text = try readHostFile(path)
        }
        var mounts: [MountEntry] = []
        for line in hostLines(text) {
            let parts = hostFields(line)
            guard parts.count >= 4 else {
                throw HostCollectorError(path: path, message: "malformed mount point information: \(line)")
            }
            // fstab(5) escapes space and tab in mount points.
            let mountPoint = String(parts[1]).hostReplacingAll("\\040", with: " ").hostReplacingAll("\\011", with: "\t")
            mounts.append(MountEntry(device: String(parts[0]), mountPoint: stripRootfs(mountPoint),
                                     fsType: String(parts[2]), options: String(parts[3])))
        }
        return mounts
    }

    /// A mount point as seen from the host: `rootfsPath` removed from its front.
    func stripRootfs(_ mountPoint: String) -> String {
        guard rootfsPath != "/", mountPoint.hasPrefix(rootfsPath) else { return mountPoint }
        let stripped = mountPoint.dropFirst(rootfsPath.count)
        return stripped.isEmpty ? "/" : String(stripped)
    }

    /// node_exporter 1.5's default `--collector.filesystem.mount-points-exclude`:
    /// `^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`.
    func isExcludedMountPoint(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let rest = path.dropFirst()
        for word in ["dev", "proc", "sys"] where rest.hasPrefix(word) {
            let after = rest.dropFirst(word.count)
            if after.isEmpty || after.hasPrefix("/") { return true }
        }
        // `X/.+($|/)`: anything strictly below X.
        for prefix in ["run/credentials/", "var/lib/docker/", "var/lib/containers/storage/"] where rest.hasPrefix(prefix) {
            if rest.count > prefix.count { return true }
        }
        return false
    }

    /// node_exporter 1.5's default `--collector.filesystem.fs-types-exclude`.
    func isExcludedFSType(_ type: String) -> Bool {
        Self.excludedFSTypes.contains(type)
    }

    static let excludedFSTypes: Set<String> = [
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
        "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore",
        "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs",
    ]

    /// statvfs(3) (statfs(2) underneath: the same block size and counts node_exporter reads) on the
    /// mount point under `rootfsPath`, or nil when it fails, when it does not return
    /// within `statfsTimeoutSeconds` (the mount is then remembered as stuck and skipped until a
    /// later statfs on it returns), or when it is already known to be stuck.
    func statfsWithTimeout(_ mountPoint: String) -> statvfs? {
        if state.withState({ $0.stuckMounts.contains(mountPoint) }) { return nil }
        let path = rootfsFile(mountPoint)
        let box = StatfsBox()
        let done = DispatchSemaphore(value: 0)
        // A queue of its own (an overcommitting one, which gets a thread even when the shared width-limited
        // pool is busy): a busy pool must not make a healthy mount look stuck.
        DispatchQueue(label: "osprey.host.statfs").async { [state] in
            var buf = statvfs()
            let ok = statvfs(path, &buf) == 0
            box.set(ok ? buf : nil)
            done.signal()
            // A statfs that returns after its mount was marked stuck clears the mark.
            state.withState { _ = $0.stuckMounts.remove(mountPoint) }
        }
        if done.wait(timeout: .now() + .seconds(statfsTimeoutSeconds)) == .timedOut {
            // Checked under the state lock: a statfs finishing right now clears the mark after this.
            state.withState { if !box.isFinished { $0.stuckMounts.insert(mountPoint) } }
            return nil
        }
        return box.get()
    }
}

/// Hands a statfs result from the worker thread back to the waiting scrape.
private final class StatfsBox: @unchecked Sendable {  // all access under `lock`
    private let lock = NSLockLike()
    private var value: statvfs?
    private var finished = false
    func set(_ v: statvfs?) { lock.withLock { value = v; finished = true } }
    var isFinished: Bool { lock.withLock { finished } }
    func get() -> statvfs? { lock.withLock { value } }
}

extension String {
    /// Every occurrence of `target` replaced, without Foundation.
    func hostReplacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, self.contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        out += rest
        return out
    }
}

import ConfigReader
import Foundation
import Ingest
import Pipeline
import Yams

/// One `remote_write` entry as read from the file.
struct RemoteWriteEntry {
    var config: RemoteWriteConfig
    /// `write_relabel_configs`, applied to each series (after external labels are added) before it is sent.
    var writeRelabelConfigs: [RelabelConfig] = []
}

extension ConfigLoader {
    /// Authorization schemes of prometheus.yml that Osprey cannot perform yet; sending without them would be
    /// refused by the remote or, worse, go out unauthenticated, so they are an error rather than ignored.
    static let remoteWriteUnsupported: Set<String> = ["oauth2", "sigv4", "azuread", "proxy_url", "proxy_from_environment", "no_proxy", "proxy_connect_header"]
    /// Valid prometheus.yml fields that change nothing about what Osprey sends.
    static let remoteWriteIgnored: Set<String> = ["follow_redirects", "enable_http2", "metadata_config", "send_exemplars", "send_native_histograms"]

    /// `remote_write`: a list of remote write receivers.
    static func remoteWrite(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        var directories: [String: String] = [:]
        for (i, item) in try r.sequence(node, "remote_write").enumerated() {
            let f = "remote_write[\(i)]"
            var url: String?
            var c = RemoteWriteConfig(url: "")
            var relabel: [RelabelConfig] = []
            var auth: [String] = []
            for (k, v) in try r.mapping(item, f) {
                let field = "\(f).\(k)"
                switch k {
                case "url": url = try remoteWriteURL(r, v, field)
                case "name":
                    let name = try r.string(v, field)
                    guard !name.isEmpty, !name.hasPrefix("."), name.utf8.count <= 128,
                          name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                        throw r.invalid(v, field, "must be 1 to 128 letters, digits, '_', '-' or '.' (it names the buffer directory), not \"\(name)\"")
                    }
                    c.name = name
                case "remote_timeout": c.remoteTimeoutMs = try positiveDuration(r, v, field)
                case "headers":
                    for (name, value) in try r.stringMap(v, field) {
                        guard !RemoteWriteConfig.reservedHeaders.contains(name.lowercased()) else {
                            throw r.invalid(v, "\(field).\(name)", "is set by the remote write protocol and cannot be overridden")
                        }
                        c.headers[name] = value
                    }
                case "basic_auth":
                    auth.append(k)
                    c.authorization = try basicAuth(r, v, field)
                case "authorization":
                    auth.append(k)
                    c.authorization = try authorization(r, v, field)
                case "bearer_token":
                    auth.append(k)
                    c.authorization = .credentials(type: "Bearer", .inline(try r.string(v, field)))
                case "bearer_token_file":
                    auth.append(k)
                    c.authorization = .credentials(type: "Bearer", .file(try r.string(v, field)))
                case "tls_config": c.tls = try tls(r, v, field)
                case "queue_config": c.queue = try queue(r, v, field)
                case "write_relabel_configs":
                    relabel = try r.relabelConfigs(v, field)
                case "buffer_bytes_max":
                    c.bufferBytesMax = try r.byteSize(v, field)
                    guard c.bufferBytesMax >= 1 << 20 else { throw r.invalid(v, field, "must be at least 1MB") }
                case "metadata_config": _ = try r.mapping(v, field); config.ignored.append(field)
                case "send_exemplars", "send_native_histograms", "follow_redirects", "enable_http2":
                    _ = try r.bool(v, field); config.ignored.append(field)
                default:
                    if remoteWriteUnsupported.contains(k) {
                        throw r.invalid(v, field, "is not supported by Osprey yet; remove it or put a proxy in front of the receiver")
                    }
                    throw r.unknown(v, field)
                }
            }
            guard let url else { throw r.invalid(item, "\(f).url", "is required") }
            c.url = url
            guard auth.count <= 1 else {
                throw r.invalid(item, f, "at most one of basic_auth, authorization, bearer_token and bearer_token_file may be set, not \(auth.joined(separator: " and "))")
            }
            if let other = directories[c.directoryName] {
                throw r.invalid(item, f, "has the same \(c.name == nil ? "url" : "name") as \(other); give each entry a distinct name")
            }
            directories[c.directoryName] = f
            config.remoteWrite.append(RemoteWriteEntry(config: c, writeRelabelConfigs: relabel))
        }
    }

    private static func remoteWriteURL(_ r: Reader, _ node: Node, _ field: String) throws -> String {
        let s = try r.string(node, field)
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = u.host, !host.isEmpty else {
            throw r.invalid(node, field, "must be an http:// or https:// URL with a host, not \"\(s)\"")
        }
        return s
    }

    private static func positiveDuration(_ r: Reader, _ node: Node, _ field: String) throws -> Int64 {
        let ms = try r.duration(node, field)
        guard ms > 0 else { throw r.invalid(node, field, "must be positive") }
        return ms
    }

    private static func secret(_ r: Reader, inline: (String, Node)?, file: (String, Node)?, _ field: String, _ node: Node) throws -> RemoteWriteConfig.Secret? {
        switch (inline, file) {
        case (let i?, nil): return .inline(try r.string(i.1, "\(field).\(i.0)"))
        case (nil, let f?): return .file(try r.string(f.1, "\(field).\(f.0)"))
        case (nil, nil): return nil
        case (let i?, let f?): throw r.invalid(node, field, "\(i.0) and \(f.0) are mutually exclusive")
        }
    }

    private static func basicAuth(_ r: Reader, _ node: Node, _ field: String) throws -> RemoteWriteConfig.Authorization {
        var username = ""
        var password: (String, Node)?, passwordFile: (String, Node)?
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "username": username = try r.string(v, "\(field).username")
            case "password": password = (k, v)
            case "password_file": passwordFile = (k, v)
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        return .basic(username: username, password: try secret(r, inline: password, file: passwordFile, field, node))
    }

    private static func authorization(_ r: Reader, _ node: Node, _ field: String) throws -> RemoteWriteConfig.Authorization {
        var type = "Bearer"
        var credentials: (String, Node)?, credentialsFile: (String, Node)?
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "type":
                type = try r.string(v, "\(field).type")
                guard !type.isEmpty, !type.contains(" ") else { throw r.invalid(v, "\(field).type", "must be one word, such as Bearer") }
                guard type.lowercased() != "basic" else { throw r.invalid(v, "\(field).type", "Basic is set with basic_auth, not authorization") }
            case "credentials": credentials = (k, v)
            case "credentials_file": credentialsFile = (k, v)
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        guard let secret = try secret(r, inline: credentials, file: credentialsFile, field, node) else {
            throw r.invalid(node, field, "needs credentials or credentials_file")
        }
        return .credentials(type: type, secret)
    }

    private static func tls(_ r: Reader, _ node: Node, _ field: String) throws -> RemoteWriteConfig.TLS {
        var t = RemoteWriteConfig.TLS()
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "ca_file": t.caFile = try r.string(v, f)
            case "cert_file": t.certFile = try r.string(v, f)
            case "key_file": t.keyFile = try r.string(v, f)
            case "insecure_skip_verify": t.insecureSkipVerify = try r.bool(v, f)
            case "server_name": t.serverName = try r.string(v, f)
            case "min_version", "max_version": _ = try r.string(v, f)
            default: throw r.unknown(v, f)
            }
        }
        guard (t.certFile == nil) == (t.keyFile == nil) else {
            throw r.invalid(node, field, "cert_file and key_file must be set together")
        }
        for (name, path) in [("ca_file", t.caFile), ("cert_file", t.certFile), ("key_file", t.keyFile)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw r.invalid(node, "\(field).\(name)", "cannot read \(path)")
            }
        }
        return t
    }

    private static func queue(_ r: Reader, _ node: Node, _ field: String) throws -> RemoteWriteConfig.Queue {
        var q = RemoteWriteConfig.Queue()
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "capacity": q.capacity = try r.positiveInt(v, f)
            case "max_shards": q.maxShards = try r.positiveInt(v, f)
            case "min_shards": q.minShards = try r.positiveInt(v, f)
            case "max_samples_per_send": q.maxSamplesPerSend = try r.positiveInt(v, f)
            case "batch_send_deadline": q.batchSendDeadlineMs = try positiveDuration(r, v, f)
            case "min_backoff": q.minBackoffMs = try positiveDuration(r, v, f)
            case "max_backoff": q.maxBackoffMs = try positiveDuration(r, v, f)
            case "retry_on_http_429": q.retryOnHTTP429 = try r.bool(v, f)
            case "sample_age_limit": _ = try r.duration(v, f)
            default: throw r.unknown(v, f)
            }
        }
        guard q.minShards <= q.maxShards else { throw r.invalid(node, "\(field).min_shards", "must not exceed max_shards (\(q.maxShards))") }
        guard q.minBackoffMs <= q.maxBackoffMs else { throw r.invalid(node, "\(field).min_backoff", "must not exceed max_backoff") }
        return q
    }
}

import ConfigReader
import Yams

/// Reading Prometheus's common `http_config` and `tls_config` blocks as Alertmanager accepts them.
extension AlertmanagerLoader {
    mutating func httpConfig(_ node: Node, _ field: String) throws -> HTTPClientSettings {
        var h = HTTPClientSettings()
        var schemes: [String] = []
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "basic_auth":
                schemes.append(k)
                let m = try fields(v, f, ["username", "username_file", "password", "password_file"])
                h.basicAuthUsername = m["username"]
                if m["username_file"] != nil { ignore("\(f).username_file", "only an inline username is sent") }
                h.basicAuthPassword = m["password"]
                h.basicAuthPasswordFile = m["password_file"].map(resolve)
                if h.basicAuthPassword != nil && h.basicAuthPasswordFile != nil {
                    throw r.invalid(v, f, "at most one of basic_auth password & password_file must be configured")
                }
            case "authorization":
                schemes.append(k)
                let m = try fields(v, f, ["type", "credentials", "credentials_file"])
                let type = m["type"].flatMap { $0.isEmpty ? nil : $0 } ?? "Bearer"
                guard type.lowercased() != "basic" else {
                    throw r.invalid(v, "\(f).type", "authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
                }
                if m["credentials"] != nil && m["credentials_file"] != nil {
                    throw r.invalid(v, f, "at most one of authorization credentials & credentials_file must be configured")
                }
                h.authorizationType = type
                h.authorizationCredentials = m["credentials"]
                h.authorizationCredentialsFile = m["credentials_file"].map(resolve)
            case "bearer_token", "bearer_token_file":
                schemes.append(k)
                h.authorizationType = "Bearer"
                if k == "bearer_token" { h.authorizationCredentials = try r.string(v, f) } else {
                    h.authorizationCredentialsFile = resolve(try r.string(v, f))
                }
            case "oauth2":
                schemes.append(k)
                _ = try r.mapping(v, f)
                ignore(f, "OAuth 2.0 client credentials are not supported by Osprey's notifiers")
            case "tls_config": h.tlsConfig = try tlsConfig(v, f)
            case "proxy_url": h.proxyURL = try r.string(v, f)
            case "follow_redirects": h.followRedirects = try bool(v, f)
            case "enable_http2": h.enableHTTP2 = try bool(v, f)
            case "http_headers":
                for (name, value) in try r.mapping(v, f) {
                    let m = try r.mapping(value, "\(f).\(name)")
                    for (hk, hv) in m {
                        switch hk {
                        case "values": h.headers[name, default: []] += try r.stringList(hv, "\(f).\(name).values")
                        case "secrets", "files": ignore("\(f).\(name).\(hk)", "only inline header values are sent")
                        default: throw r.unknown(hv, "\(f).\(name).\(hk)")
                        }
                    }
                }
            case "no_proxy", "proxy_from_environment", "proxy_connect_header":
                ignore(f, "Osprey's notifiers use proxy_url only")
            default:
                throw r.unknown(v, f)
            }
        }
        if schemes.count > 1 {
            throw r.invalid(node, field, "at most one of \(schemes.joined(separator: ", ")) must be configured")
        }
        return h
    }

    func tlsConfig(_ node: Node, _ field: String) throws -> TLSClientSettings {
        var t = TLSClientSettings()
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "ca_file": t.caFile = resolve(try r.string(v, f))
            case "ca": t.ca = try r.string(v, f)
            case "cert_file": t.certFile = resolve(try r.string(v, f))
            case "cert": t.cert = try r.string(v, f)
            case "key_file": t.keyFile = resolve(try r.string(v, f))
            case "key": t.key = try r.string(v, f)
            case "server_name": t.serverName = try r.string(v, f)
            case "insecure_skip_verify": t.insecureSkipVerify = try bool(v, f)
            case "min_version", "max_version":
                let s = try r.string(v, f)
                guard ["TLS10", "TLS11", "TLS12", "TLS13"].contains(s) else {
                    throw r.invalid(v, f, "unknown TLS version \"\(s)\"; use TLS10, TLS11, TLS12 or TLS13")
                }
                if k == "min_version" { t.minVersion = s } else { t.maxVersion = s }
            default: throw r.unknown(v, f)
            }
        }
        if (t.certFile != nil || t.cert != nil) != (t.keyFile != nil || t.key != nil) {
            throw r.invalid(node, field, "a client certificate needs both cert(_file) and key(_file)")
        }
        return t
    }
}

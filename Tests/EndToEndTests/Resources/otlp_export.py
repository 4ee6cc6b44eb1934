#!/usr/bin/env python3
"""Drives Osprey's OTLP receivers with the real OpenTelemetry Python SDK and exporters.

  otlp_export.py export --protocol http|grpc --endpoint URL_OR_HOST:PORT --service NAME [--gzip]
      Records a counter, an up-down counter, an observable gauge and a histogram (with attributes and
      resource attributes), exports them once, and prints JSON: the export result, the SDK version and
      the data points' timestamp in ns.
  otlp_export.py raw-grpc --target HOST:PORT --method PATH --hex BYTES
      Sends raw bytes as a unary gRPC call and prints JSON with the status code name and details.
"""
import argparse
import json
import sys


def export(args):
    from opentelemetry.metrics import Observation
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.version import __version__ as sdk_version

    resource = Resource.create({
        "service.name": args.service,
        "service.namespace": "demo",
        "service.instance.id": "inst-1",
        "deployment.environment": "test",
    })
    reader = InMemoryMetricReader()
    views = [View(instrument_name="request.duration", aggregation=ExplicitBucketHistogramAggregation([0.5, 10]))]
    provider = MeterProvider(resource=resource, metric_readers=[reader], views=views)
    meter = provider.get_meter("osprey.e2e", "1.0")

    orders = meter.create_counter("orders", unit="{order}", description="Orders placed")
    orders.add(3, {"payment.method": "card"})
    orders.add(4, {"payment.method": "card"})
    queue = meter.create_up_down_counter("queue.depth", unit="{item}")
    queue.add(5)
    queue.add(-2)
    meter.create_observable_gauge("cpu.temperature", callbacks=[lambda _: [Observation(42.5, {"core": "0"})]], unit="Cel")
    duration = meter.create_histogram("request.duration", unit="s")
    for v in (0.25, 7, 30):
        duration.record(v, {"http.route": "/a"})

    data = reader.get_metrics_data()
    times = sorted({p.time_unix_nano for rm in data.resource_metrics for sm in rm.scope_metrics
                    for m in sm.metrics for p in m.data.data_points})
    if args.protocol == "http":
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        exporter = OTLPMetricExporter(endpoint=args.endpoint, compression=Compression.Gzip if args.gzip else Compression.NoCompression, timeout=10)
    else:
        import grpc
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        exporter = OTLPMetricExporter(endpoint=args.endpoint, insecure=True, compression=grpc.Compression.Gzip if args.gzip else grpc.Compression.NoCompression, timeout=10)
    result = exporter.export(data, timeout_millis=10_000)
    exporter.shutdown()
    provider.shutdown()
    print(json.dumps({"result": result.name, "sdk_version": sdk_version, "times_ns": times}))


def raw_grpc(args):
    import grpc
    channel = grpc.insecure_channel(args.target)
    call = channel.unary_unary(args.method, request_serializer=None, response_deserializer=None)
    try:
        call(bytes.fromhex(args.hex), timeout=10)
        print(json.dumps({"code": "OK", "details": ""}))
    except grpc.RpcError as e:
        print(json.dumps({"code": e.code().name, "details": e.details() or ""}))
    channel.close()


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export")
    e.add_argument("--protocol", choices=["http", "grpc"], required=True)
    e.add_argument("--endpoint", required=True)
    e.add_argument("--service", required=True)
    e.add_argument("--gzip", action="store_true")
    r = sub.add_parser("raw-grpc")
    r.add_argument("--target", required=True)
    r.add_argument("--method", required=True)
    r.add_argument("--hex", required=True)
    args = parser.parse_args()
    export(args) if args.command == "export" else raw_grpc(args)


if __name__ == "__main__":
    sys.exit(main())

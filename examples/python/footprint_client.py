#!/usr/bin/python3
"""A council system talking to Footprint from Python, with Debian's python3-grpcio.

    footprint_client.py --server HOST:PORT [--child ID] [--date YYYY-MM-DD] [--proto-dir DIR]

What it does, as a council's case management system would:
  1. records that the child became looked after (Intake.Record; skipped when the child's stream
     already holds events), then a placement move with the reason the last placement ended;
  2. an IRO raises a challenge about the child's plan (Challenges.Raise), informal stage; sent
     without a purpose, the answer holds only the challenge id and the step this call recorded;
  3. reads the escalation status back (Challenges.Get and Queries.Escalations) and prints it as
     one line of JSON.

No generated gRPC stubs are needed: the message classes come from `protoc --python_out`
(protobuf-compiler, run here into a temporary directory from proto/), and each call is a plain
`channel.unary_unary` with the method's full name. Errors are printed as
"footprint_client: CODE: message" with exit status 1.
"""
import argparse
import datetime
import importlib
import json
import os
import subprocess
import sys
import tempfile

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_DIR = os.path.join(HERE, "..", "..", "proto")


def load_messages(proto_dir, out_dir):
    """Generates and imports the footprint.v1 message modules."""
    files = [os.path.join("footprint", "v1", name)
             for name in ("domain.proto", "intake.proto", "challenges.proto", "reports.proto",
                          "queries.proto", "eventstore.proto", "event.proto")]
    subprocess.run(["protoc", f"--proto_path={proto_dir}", f"--python_out={out_dir}", *files],
                   check=True)
    sys.path.insert(0, out_dir)
    return {name: importlib.import_module(f"footprint.v1.{name}_pb2")
            for name in ("domain", "intake", "challenges", "reports", "queries", "eventstore")}


class Footprint:
    """The few calls this example makes, by full method name."""

    def __init__(self, channel, pb):
        self.pb = pb

        def call(method, request_type, response_type):
            return channel.unary_unary(method, request_serializer=request_type.SerializeToString,
                                       response_deserializer=response_type.FromString)

        self.record = call("/footprint.v1.Intake/Record", pb["intake"].RecordRequest,
                           pb["intake"].RecordResponse)
        self.read_stream = call("/footprint.v1.EventStore/ReadStream",
                                pb["eventstore"].ReadStreamRequest,
                                pb["eventstore"].ReadStreamResponse)
        self.raise_challenge = call("/footprint.v1.Challenges/Raise",
                                    pb["challenges"].RaiseChallengeRequest,
                                    pb["challenges"].ChallengeView)
        self.get_challenge = call("/footprint.v1.Challenges/Get",
                                  pb["challenges"].GetChallengeRequest,
                                  pb["challenges"].ChallengeView)
        self.escalations = call("/footprint.v1.Queries/Escalations",
                                pb["queries"].EscalationsRequest, pb["reports"].EscalationReport)


def has_events(client, child):
    eventstore = client.pb["eventstore"]
    request = eventstore.ReadStreamRequest(stream=f"child-{child}", from_version=0,
                                           direction=eventstore.DIRECTION_FORWARDS, limit=1)
    try:
        return len(client.read_stream(request, timeout=10).events) > 0
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return False
        raise


def run(args):
    with tempfile.TemporaryDirectory(prefix="footprint-py-") as generated:
        pb = load_messages(args.proto_dir, generated)
        domain, intake, challenges, queries = pb["domain"], pb["intake"], pb["challenges"], pb[
            "queries"]
        with grpc.insecure_channel(args.server) as channel:
            client = Footprint(channel, pb)
            moved_on = args.date
            started_on = (datetime.date.fromisoformat(moved_on) -
                          datetime.timedelta(days=60)).isoformat()

            events = []
            if not has_events(client, args.child):
                started = domain.ChildEvent(occurred_on=started_on)
                body = started.period_of_care_started
                body.legal_status = "C2"
                body.placement.type = "U4"
                body.placement.provider = "PR1"
                body.category_of_need = "N1"
                body.date_of_birth = "2014-03-09"
                events.append(started)
            move = domain.ChildEvent(occurred_on=moved_on)
            move.placement_changed.placement.type = "U6"
            move.placement_changed.placement.provider = "PR4"
            move.placement_changed.placement.distance_miles = 24
            move.placement_changed.reason_for_change = "CARPL"
            move.placement_changed.carer_changed = True
            events.append(move)
            recorded = client.record(intake.RecordRequest(
                child_id=args.child,
                events=[intake.Submission(event=e) for e in events],
                source_system="example-case-system", recorded_by="example-python",
                correlation_id="python-example"), timeout=10)

            raised = client.raise_challenge(challenges.RaiseChallengeRequest(
                context=challenges.CommandContext(date=moved_on, actor="iro-py",
                                                  source_system="example-case-system"),
                child_id=args.child, stage="informal", theme="Quality of Plan", iro_id="iro-py",
                issue="Placement moved 24 miles from home without a review of the plan"),
                timeout=10)
            view = client.get_challenge(challenges.GetChallengeRequest(challenge_id=raised.id),
                                        timeout=10)
            report = client.escalations(queries.EscalationsRequest(
                scope=queries.ReportScope(as_at=moved_on)), timeout=10)

            print(json.dumps({
                "child": args.child,
                "events_recorded": len(recorded.event_ids),
                "positions": [recorded.first_position, recorded.last_position],
                "challenge": view.id,
                "stage": view.stage.name,
                "status": view.status,
                "raised_on": view.raised_on,
                "response_due": view.deadline,
                "open_challenges": len(report.open),
                "open_by_stage": dict(sorted(report.open_by_stage.items())),
            }, sort_keys=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("FOOTPRINT_SERVER", "127.0.0.1:50051"))
    parser.add_argument("--child", default="PY-1")
    parser.add_argument("--date", default=datetime.date.today().isoformat(),
                        help="the day of the move and the challenge (default: today)")
    parser.add_argument("--proto-dir", default=DEFAULT_PROTO_DIR)
    args = parser.parse_args()
    try:
        run(args)
    except grpc.RpcError as error:
        print(f"footprint_client: {error.code().name}: {error.details()}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

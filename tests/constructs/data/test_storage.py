"""Browser uploads: dataset item attachments are PUT from the browser straight to S3.

Langfuse's UI (web/src/features/datasets/hooks/useDatasetItemMediaUpload.ts) fetches a presigned
URL and sends `PUT` with the headers Content-Type and x-amz-checksum-sha256. The browser only
does that cross-origin when the bucket's CORS configuration admits the UI's origin.
"""

from __future__ import annotations

from synth import SynthesizedEnvironment, task_container


def test_data_bucket_admits_puts_from_the_public_origin_only(
    any_env: SynthesizedEnvironment,
) -> None:
    buckets = any_env.resources("AWS::S3::Bucket")
    (data_bucket,) = [v for k, v in buckets.items() if k.startswith("StorageBucket")]
    (rule,) = data_bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    web_env = {e["Name"]: e["Value"] for e in task_container(any_env, "Web")["Environment"]}
    assert rule["AllowedOrigins"] == [web_env["NEXTAUTH_URL"]]
    assert rule["AllowedMethods"] == ["PUT"]
    assert {"content-type", "x-amz-checksum-sha256"} <= {h.lower() for h in rule["AllowedHeaders"]}
    assert "*" not in rule["AllowedHeaders"]


def test_no_other_bucket_takes_browser_requests(any_env: SynthesizedEnvironment) -> None:
    for logical_id, bucket in any_env.resources("AWS::S3::Bucket").items():
        if not logical_id.startswith("StorageBucket"):
            assert "CorsConfiguration" not in bucket["Properties"], logical_id

# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local server speaking the S3 protocol (moto's server mode) for the object-storage tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ebok-test", "AWS_SECRET_ACCESS_KEY": "ebok-test-secret"}
REGION = "eu-central-1"


class S3Server:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # the system's choice
        self.server.start()
        self.port = int(self.server.get_host_and_port()[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def keys(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        c = self.client()
        found = {}
        for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = c.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        return found

    def env(self, bucket: str, prefix: str) -> dict[str, str]:
        """What an `ebok` process needs to keep its files in s3://bucket/prefix on this server."""
        return {**CREDENTIALS, "EBOK_STORAGE_URL": f"s3://{bucket}/{prefix}", "EBOK_S3_ENDPOINT": self.endpoint,
                "EBOK_S3_REGION": REGION}

    def stop(self) -> None:
        self.server.stop()


@contextmanager
def credentials() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

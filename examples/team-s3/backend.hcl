# The state of the whole team, in S3. Every setting may instead come from
# `--backend-config NAME=VALUE` (or a file of them), so one configuration serves several
# accounts: CI passes `--backend-config bucket=...` per account.
backend "s3" {
  bucket = "acme-infra-state"
  key    = "appflow/flowform.state.json"
  region = "us-east-1"
  # Wraps the state's digest key (never stored in the state itself): one kms:Decrypt per run.
  digest_kms_key_id = "alias/flowform-state"
  # SSE-KMS for every object the backend writes (state, backup, lock, journal).
  kms_key_id = "alias/flowform-state"
  # `flowform sandbox serve` on its default port; delete this line for real S3.
  endpoint_url = "http://127.0.0.1:4566"
}

provider "aws" {
  region = "us-east-1"
  # The same sandbox for AppFlow, Secrets Manager and KMS; delete this line for real AWS.
  endpoint_url = "http://127.0.0.1:4566"
}

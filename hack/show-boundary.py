"""Prints the default version of a boundary policy in one account of the local environment,
read the way the operator verifies it: assume the member role, GetPolicy, GetPolicyVersion.
Usage: show-boundary.py ACCOUNT POLICY_NAME   (AWS_ENDPOINT_URL and credentials from env.sh)"""
import json
import sys
from urllib.parse import unquote

import boto3

account, policy = sys.argv[1], sys.argv[2]
sts = boto3.client("sts")
creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/stage-boundary-member",
                        RoleSessionName="show-boundary")["Credentials"]
iam = boto3.client("iam", aws_access_key_id=creds["AccessKeyId"],
                   aws_secret_access_key=creds["SecretAccessKey"],
                   aws_session_token=creds["SessionToken"])
arn = f"arn:aws:iam::{account}:policy/{policy}"
meta = iam.get_policy(PolicyArn=arn)["Policy"]
doc = iam.get_policy_version(PolicyArn=arn, VersionId=meta["DefaultVersionId"])["PolicyVersion"]["Document"]
if isinstance(doc, str):
    doc = json.loads(unquote(doc))
role = f"cdk-hnb659fds-cfn-exec-role-{account}-us-east-1"
try:
    pb = iam.get_role(RoleName=role)["Role"].get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    print(f"# CDK execution role {role}: permissions boundary {pb}")
except iam.exceptions.NoSuchEntityException:
    print(f"# no CDK execution role {role} (account not bootstrapped)")
print(f"# {arn} (default version {meta['DefaultVersionId']})")
print(json.dumps(doc, indent=2))

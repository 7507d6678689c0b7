"""Asks IAM (the local environment's SimulatePrincipalPolicy) what the article's proof asks: may the
CDK execution role of ACCOUNT change AWS Config, or create a role without the boundary, or with it?
Prints each decision and, for an explicit deny, the boundary statement that decided it.
Usage: show-proof.py ACCOUNT POLICY_NAME REGION   (AWS_ENDPOINT_URL and credentials from env.sh)"""
import fnmatch
import json
import sys
from urllib.parse import unquote

import boto3

account, policy, region = sys.argv[1], sys.argv[2], sys.argv[3]
creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/stage-boundary-member",
                                        RoleSessionName="show-proof")["Credentials"]
iam = boto3.client("iam", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                   aws_session_token=creds["SessionToken"])
boundary = f"arn:aws:iam::{account}:policy/{policy}"
version = iam.get_policy(PolicyArn=boundary)["Policy"]["DefaultVersionId"]
doc = iam.get_policy_version(PolicyArn=boundary, VersionId=version)["PolicyVersion"]["Document"]
doc = json.loads(unquote(doc)) if isinstance(doc, str) else doc
role = f"cdk-hnb659fds-cfn-exec-role-{account}-{region}"


def deciding_sid(action):
    for s in doc["Statement"]:
        actions = s.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if s["Effect"] == "Deny" and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions):
            return s.get("Sid")
    return None


def ask(action, label, context):
    entries = [{"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"} for k, v in context.items()]
    r = iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{account}:role/{role}", ActionNames=[action],
                                      ContextEntries=entries)["EvaluationResults"][0]
    decision = r["EvalDecision"]
    by_boundary = r.get("PermissionsBoundaryDecisionDetail", {}).get("AllowedByPermissionsBoundary")
    why = ""
    if decision == "explicitDeny" and by_boundary is False:
        why = f" ({deciding_sid(action)} in permissions boundary {policy})"
    elif decision == "implicitDeny" and by_boundary:
        why = " (the boundary allows it; the role's execution policies do not)"
    print(f"{label}: {decision}{why}")


print(f"# IAM's decisions for {role}")
ask("config:PutConfigRule", f"config:PutConfigRule by {role}", {"aws:RequestedRegion": region})
ask("iam:CreateRole", "iam:CreateRole without the boundary", {"aws:RequestedRegion": region})
ask("iam:CreateRole", "iam:CreateRole with the boundary", {"aws:RequestedRegion": region, "iam:PermissionsBoundary": boundary})

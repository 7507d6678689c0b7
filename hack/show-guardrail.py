"""Asks IAM (the local environment's SimulatePrincipalPolicy, with the organisation's SCPs) whether an
account administrator may remove the boundary from the CDK execution role: in an account the
guardrail covers, in one it does not, and as the operator's member role.
Usage: show-guardrail.py GUARDED_ACCOUNT OTHER_ACCOUNT REGION   (AWS_ENDPOINT_URL and credentials from env.sh)"""
import sys

import boto3

guarded, other, region = sys.argv[1], sys.argv[2], sys.argv[3]
ADMIN = "OrganizationAccountAccessRole"
MEMBER = "stage-boundary-member"


def ask(account, role, label):
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{MEMBER}",
                                            RoleSessionName="show-guardrail")["Credentials"]
    iam = boto3.client("iam", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    arn = f"arn:aws:iam::{account}:role/{role}"
    target = f"arn:aws:iam::{account}:role/cdk-hnb659fds-cfn-exec-role-{account}-{region}"
    r = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["iam:DeleteRolePermissionsBoundary"], ResourceArns=[target],
        ContextEntries=[{"ContextKeyName": "aws:PrincipalArn", "ContextKeyValues": [arn], "ContextKeyType": "string"}],
    )["EvaluationResults"][0]
    by_orgs = r.get("OrganizationsDecisionDetail", {}).get("AllowedByOrganizations")
    decided = f"{r['EvalDecision']}, " if by_orgs is False else ""
    print(f"{label}: {decided}AllowedByOrganizations={str(by_orgs).lower()}")


print(f"# iam:DeleteRolePermissionsBoundary on the CDK execution role, asked of IAM")
ask(guarded, ADMIN, f"{ADMIN} (an account administrator) in {guarded}")
ask(guarded, MEMBER, f"{MEMBER} (the operator, exempt) in {guarded}")
ask(other, ADMIN, f"{ADMIN} in {other} (a stage without the guardrail)")

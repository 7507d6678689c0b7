"""AWS's wire protocols as far as the front and the workers answer on their own: error bodies in each
service's own protocol (so SDKs parse them as they would AWS's), and which calls are writes."""
import json
import uuid

# Protocols, from botocore's service metadata: these two speak awsJson1_1, the rest awsQuery.
JSON_SERVICES = {"organizations", "ssm"}
THROTTLING_CODE = {
    "cloudformation": "Throttling",
    "iam": "Throttling",
    "sts": "Throttling",
    "organizations": "TooManyRequestsException",
    "ssm": "ThrottlingException",
}
XML_NAMESPACE = {
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
# An action is a read when its name starts with one of these; everything else changes state.
READ_PREFIXES = ("Get", "List", "Describe", "Detect", "Estimate", "Validate", "Simulate",
                 "Generate", "Search", "Lookup", "AssumeRole")
# A worker's answer that it refused the call itself (a region not enabled) names the fault for the call log.
FAULT_HEADER = "x-sbo-fault"


def is_write(service, action):
    return bool(action) and service != "sts" and not action.startswith(READ_PREFIXES)


def error(service, code, message, status):
    """(status, reason, headers, body) of an error in the service's own protocol."""
    rid = str(uuid.uuid4())
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    else:
        body = (f'<ErrorResponse xmlns="{XML_NAMESPACE.get(service, "")}"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{rid}</RequestId></ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml")]
    headers.append(("x-amzn-RequestId", rid))
    reason = {400: "Bad Request", 403: "Forbidden", 503: "Service Unavailable"}.get(status, "Error")
    return status, reason, headers, body

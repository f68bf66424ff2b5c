"""STS through an unmodified boto3 on connectdir's endpoint (driven by TestSTS).

Phase "issue": caller identity, a session token and Connect calls with it, and the refusals.
Phase "expired": the temporary credentials given in the environment, after the server's clock
has passed their expiry. Prints one JSON document.
"""
import json
import os
import sys

import boto3
import botocore.exceptions

endpoint = os.environ["CONNECTDIR_ENDPOINT"]
instance = os.environ["CONNECTDIR_INSTANCE"]
session = boto3.session.Session(region_name="us-east-1")
cfg = botocore.config.Config(retries={"max_attempts": 1})


def client(service, key, secret, token=None, config=cfg):
    return session.client(service, endpoint_url=endpoint, aws_access_key_id=key,
                          aws_secret_access_key=secret, aws_session_token=token, config=config)


def refusal(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
    return None


out = {}
if sys.argv[1] == "issue":
    sts = client("sts", os.environ["CONNECTDIR_KEY"], os.environ["CONNECTDIR_SECRET"])
    ident = sts.get_caller_identity()
    out["identity"] = {k: ident[k] for k in ("Arn", "Account", "UserId")}
    # boto3 checks the model's bounds itself; without that, the server's own refusal shows.
    unchecked = client("sts", os.environ["CONNECTDIR_KEY"], os.environ["CONNECTDIR_SECRET"],
                       config=cfg.merge(botocore.config.Config(parameter_validation=False)))
    out["short"] = refusal(lambda: unchecked.get_session_token(DurationSeconds=899))
    out["long"] = refusal(lambda: unchecked.get_session_token(DurationSeconds=129601))
    creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
    out["key"] = creds["AccessKeyId"]
    out["secret"] = creds["SecretAccessKey"]
    out["token"] = creds["SessionToken"]
    out["expiration"] = creds["Expiration"].isoformat()
    temp = client("connect", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    out["users"] = len(temp.list_users(InstanceId=instance)["UserSummaryList"])
    temp_sts = client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    out["temp_identity"] = temp_sts.get_caller_identity()["Arn"]
    out["nested"] = refusal(lambda: temp_sts.get_session_token())
    forged = client("connect", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"][:-4] + "AAAA")
    out["forged"] = refusal(lambda: forged.list_users(InstanceId=instance))
    other = sts.get_session_token()["Credentials"]
    foreign = client("connect", creds["AccessKeyId"], creds["SecretAccessKey"], other["SessionToken"])
    out["foreign"] = refusal(lambda: foreign.list_users(InstanceId=instance))
    untokened = client("connect", creds["AccessKeyId"], creds["SecretAccessKey"])
    out["without_token"] = refusal(lambda: untokened.list_users(InstanceId=instance))
    longterm = client("connect", os.environ["CONNECTDIR_KEY"], os.environ["CONNECTDIR_SECRET"], creds["SessionToken"])
    out["long_term_with_token"] = refusal(lambda: longterm.list_users(InstanceId=instance))
    out["forged_sts"] = refusal(lambda: client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], "bogus").get_caller_identity())
else:
    temp = client("connect", os.environ["TEMP_KEY"], os.environ["TEMP_SECRET"], os.environ["TEMP_TOKEN"])
    out["expired"] = refusal(lambda: temp.list_users(InstanceId=instance))
json.dump(out, sys.stdout)

"""Drives connectdir with an unmodified boto3 client, as a Python user would.

Reads the endpoint, key, secret and instance id from the environment, runs the user and
hierarchy operations, and prints one JSON object of what it saw for the Go test to check.
"""
import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

client = boto3.client(
    "connect",
    endpoint_url=os.environ["CONNECTDIR_ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["CONNECTDIR_KEY"],
    aws_secret_access_key=os.environ["CONNECTDIR_SECRET"],
    config=Config(retries={"max_attempts": 1}),
)
inst = os.environ["CONNECTDIR_INSTANCE"]
seen = {}

rp = client.list_routing_profiles(InstanceId=inst)["RoutingProfileSummaryList"][0]["Id"]
sps = client.list_security_profiles(InstanceId=inst)["SecurityProfileSummaryList"]
agent = next(p["Id"] for p in sps if p["Name"] == "Agent")

client.update_user_hierarchy_structure(
    InstanceId=inst,
    HierarchyStructure={"LevelOne": {"Name": "Region"}, "LevelTwo": {"Name": "Site"}},
)
emea = client.create_user_hierarchy_group(InstanceId=inst, Name="EMEA")["HierarchyGroupId"]
dublin = client.create_user_hierarchy_group(InstanceId=inst, Name="Dublin", ParentGroupId=emea)["HierarchyGroupId"]
group = client.describe_user_hierarchy_group(InstanceId=inst, HierarchyGroupId=dublin)["HierarchyGroup"]
seen["path"] = [group["HierarchyPath"][l]["Name"] for l in ("LevelOne", "LevelTwo")]

for i in range(5):
    client.create_user(
        InstanceId=inst, Username=f"py{i}", Password="Passw0rd!",
        IdentityInfo={"FirstName": "Py", "LastName": str(i)},
        PhoneConfig={"PhoneType": "SOFT_PHONE", "AfterContactWorkTimeLimit": 30},
        SecurityProfileIds=[agent], RoutingProfileId=rp, HierarchyGroupId=dublin,
        Tags={"lang": "python"},
    )

pages = client.get_paginator("list_users").paginate(InstanceId=inst, PaginationConfig={"PageSize": 2})
seen["pages"] = [[u["Username"] for u in page["UserSummaryList"]] for page in pages]

found = client.search_users(
    InstanceId=inst,
    SearchCriteria={"HierarchyGroupCondition": {"Value": emea, "HierarchyGroupMatchType": "WITH_CHILD_GROUPS"}},
    SearchFilter={"TagFilter": {"TagCondition": {"TagKey": "lang", "TagValue": "python"}}},
)
seen["search_count"] = found["ApproximateTotalCount"]

user = client.describe_user(InstanceId=inst, UserId=found["Users"][0]["Id"])["User"]
seen["described"] = {k: user[k] for k in ("Username", "HierarchyGroupId", "Tags")}
seen["last_modified_is_datetime"] = hasattr(user["LastModifiedTime"], "year")

try:
    client.create_user(
        InstanceId=inst, Username="py0", Password="Passw0rd!",
        IdentityInfo={"FirstName": "Py", "LastName": "dup"},
        PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=[agent], RoutingProfileId=rp,
    )
    seen["duplicate"] = "accepted"
except ClientError as e:
    seen["duplicate"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]

try:
    client.delete_user_hierarchy_group(InstanceId=inst, HierarchyGroupId=dublin)
    seen["in_use"] = "deleted"
except client.exceptions.ResourceInUseException as e:
    seen["in_use"] = e.response["Error"]["Code"]

print(json.dumps(seen))

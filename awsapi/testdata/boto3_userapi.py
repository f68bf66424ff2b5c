"""Drives today's user API of connectdir with an unmodified boto3 client.

Runs every operation of per-channel settings, predefined attributes, proficiencies and
security profile management, and each documented refusal, and prints one JSON object of what
it saw for the Go test to check: results of the calls, and for each refusal the error code,
the HTTP status and whether boto3 raised its typed exception class for it.
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
seen = {"refusals": {}}


def refused(what, call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        code = e.response["Error"]["Code"]
        typed = isinstance(e, getattr(client.exceptions, code, ()))
        seen["refusals"][what] = [code, e.response["ResponseMetadata"]["HTTPStatusCode"], typed]
        return
    seen["refusals"][what] = ["no error"]


rp = client.list_routing_profiles(InstanceId=inst)["RoutingProfileSummaryList"][0]["Id"]
sps = client.list_security_profiles(InstanceId=inst)["SecurityProfileSummaryList"]
agent = next(p["Id"] for p in sps if p["Name"] == "Agent")
user = client.create_user(
    InstanceId=inst, Username="py.skills", Password="Passw0rd!",
    IdentityInfo={"FirstName": "Py", "LastName": "Skills"},
    PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=[agent], RoutingProfileId=rp,
)["UserId"]

# UpdateUserConfig
client.update_user_config(
    InstanceId=inst, UserId=user,
    AutoAcceptConfigs=[{"Channel": "CHAT", "AutoAccept": True}],
    AfterContactWorkConfigs=[{"Channel": "TASK", "AfterContactWorkConfig": {"AfterContactWorkTimeLimit": 90}}],
)
u = client.describe_user(InstanceId=inst, UserId=user)["User"]
seen["auto_accept"] = u["AutoAcceptConfigs"]
seen["acw"] = u["AfterContactWorkConfigs"]
refused("UpdateUserConfig channel twice", client.update_user_config, InstanceId=inst, UserId=user,
        AutoAcceptConfigs=[{"Channel": "CHAT", "AutoAccept": True}, {"Channel": "CHAT", "AutoAccept": False}])
refused("UpdateUserConfig unknown user", client.update_user_config, InstanceId=inst, UserId="nobody",
        AutoAcceptConfigs=[{"Channel": "CHAT", "AutoAccept": True}])

# Predefined attributes
client.create_predefined_attribute(InstanceId=inst, Name="Language", Values={"StringList": ["English", "French"]})
client.create_predefined_attribute(InstanceId=inst, Name="Product", Values={"StringList": ["Phones"]})
refused("CreatePredefinedAttribute beyond the quota", client.create_predefined_attribute, InstanceId=inst, Name="Third",
        Values={"StringList": ["x"]})
seen["describe_attribute"] = client.describe_predefined_attribute(InstanceId=inst, Name="Language")["PredefinedAttribute"]["Values"]
pages = client.get_paginator("list_predefined_attributes").paginate(InstanceId=inst, PaginationConfig={"PageSize": 1})
seen["attribute_pages"] = [[a["Name"] for a in p["PredefinedAttributeSummaryList"]] for p in pages]
found = client.search_predefined_attributes(
    InstanceId=inst, SearchCriteria={"StringCondition": {"FieldName": "name", "Value": "lang", "ComparisonType": "STARTS_WITH"}})
seen["search_attributes"] = [[a["Name"] for a in found["PredefinedAttributes"]], found["ApproximateTotalCount"]]
client.update_predefined_attribute(InstanceId=inst, Name="Language", Values={"StringList": ["English", "French", "Japanese"]})
refused("CreatePredefinedAttribute taken name", client.create_predefined_attribute, InstanceId=inst, Name="Language",
        Values={"StringList": ["x"]})
refused("DescribePredefinedAttribute missing", client.describe_predefined_attribute, InstanceId=inst, Name="Missing")
refused("UpdatePredefinedAttribute missing", client.update_predefined_attribute, InstanceId=inst, Name="Missing",
        Values={"StringList": ["x"]})
refused("DeletePredefinedAttribute missing", client.delete_predefined_attribute, InstanceId=inst, Name="Missing")

# Proficiencies
client.associate_user_proficiencies(InstanceId=inst, UserId=user, UserProficiencies=[
    {"AttributeName": "Language", "AttributeValue": "French", "Level": 4.0},
    {"AttributeName": "Product", "AttributeValue": "Phones", "Level": 2.0}])
client.update_user_proficiencies(InstanceId=inst, UserId=user, UserProficiencies=[
    {"AttributeName": "Language", "AttributeValue": "French", "Level": 5.0}])
pages = client.get_paginator("list_user_proficiencies").paginate(InstanceId=inst, UserId=user, PaginationConfig={"PageSize": 1})
seen["proficiency_pages"] = [[[p["AttributeName"], p["AttributeValue"], p["Level"]] for p in page["UserProficiencyList"]] for page in pages]
found = client.search_users(InstanceId=inst, SearchCriteria={"ListCondition": {"TargetListType": "PROFICIENCIES", "Conditions": [
    {"StringCondition": {"FieldName": "value", "Value": "French", "ComparisonType": "EXACT"}},
    {"NumberCondition": {"FieldName": "limit", "MinValue": 5, "ComparisonType": "GREATER_OR_EQUAL"}}]}})
seen["search_proficiency"] = [u["Username"] for u in found["Users"]]
refused("DeletePredefinedAttribute in use", client.delete_predefined_attribute, InstanceId=inst, Name="Language")
refused("AssociateUserProficiencies value not of the attribute", client.associate_user_proficiencies, InstanceId=inst, UserId=user,
        UserProficiencies=[{"AttributeName": "Language", "AttributeValue": "German", "Level": 1.0}])
refused("AssociateUserProficiencies missing attribute", client.associate_user_proficiencies, InstanceId=inst, UserId=user,
        UserProficiencies=[{"AttributeName": "Skill", "AttributeValue": "x", "Level": 1.0}])
refused("UpdateUserProficiencies not associated", client.update_user_proficiencies, InstanceId=inst, UserId=user,
        UserProficiencies=[{"AttributeName": "Language", "AttributeValue": "Japanese", "Level": 1.0}])
refused("ListUserProficiencies unknown user", client.list_user_proficiencies, InstanceId=inst, UserId="nobody")
client.disassociate_user_proficiencies(InstanceId=inst, UserId=user, UserProficiencies=[
    {"AttributeName": "Product", "AttributeValue": "Phones"}])
client.delete_predefined_attribute(InstanceId=inst, Name="Product")
seen["attributes_left"] = [a["Name"] for a in client.list_predefined_attributes(InstanceId=inst)["PredefinedAttributeSummaryList"]]

# Security profiles
sp = client.create_security_profile(InstanceId=inst, SecurityProfileName="Py Leads", Description="leads",
                                    Permissions=["Users.View", "BasicAgentAccess"])["SecurityProfileId"]
client.update_security_profile(InstanceId=inst, SecurityProfileId=sp, Permissions=["Users.View", "Users.Edit"])
refused("CreateSecurityProfile beyond the quota", client.create_security_profile, InstanceId=inst, SecurityProfileName="Py Extra")
seen["permissions"] = client.list_security_profile_permissions(InstanceId=inst, SecurityProfileId=sp)["Permissions"]
client.update_user_security_profiles(InstanceId=inst, UserId=user, SecurityProfileIds=[sp])
refused("CreateSecurityProfile taken name", client.create_security_profile, InstanceId=inst, SecurityProfileName="Agent")
refused("DeleteSecurityProfile in use", client.delete_security_profile, InstanceId=inst, SecurityProfileId=sp)
refused("UpdateSecurityProfile missing", client.update_security_profile, InstanceId=inst, SecurityProfileId="missing", Description="x")
refused("ListSecurityProfilePermissions missing", client.list_security_profile_permissions, InstanceId=inst, SecurityProfileId="missing")
client.update_user_security_profiles(InstanceId=inst, UserId=user, SecurityProfileIds=[agent])
client.delete_security_profile(InstanceId=inst, SecurityProfileId=sp)
refused("DeleteSecurityProfile missing", client.delete_security_profile, InstanceId=inst, SecurityProfileId=sp)

print(json.dumps(seen))

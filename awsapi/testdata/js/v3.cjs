// Every served operation through an unmodified @aws-sdk/client-connect (v3), driven by
// TestJavaScriptSDKs: paginators, typed error classes with their HTTP statuses, the members a
// script indexes without checking. Prints {"called": [...], "failures": [...]}.
const C = require("@aws-sdk/client-connect");

const client = new C.ConnectClient({
  endpoint: process.env.CONNECTDIR_ENDPOINT, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: process.env.CONNECTDIR_KEY, secretAccessKey: process.env.CONNECTDIR_SECRET },
});
const called = new Set();
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

async function call(op, input) {
  const out = await client.send(new C[op + "Command"](input));
  called.add(op);
  check(typeof out.$metadata.requestId === "string" && out.$metadata.requestId.length === 36, op + ": no request id");
  return out;
}

async function refused(op, input, exception, status) {
  try {
    await client.send(new C[op + "Command"](input));
    failures.push(`${op}: succeeded, want ${exception}`);
  } catch (e) {
    called.add(op);
    check(e instanceof C[exception], `${op}: ${e.name} is not an instance of ${exception}`);
    check(e.name === exception, `${op}: name ${e.name}, want ${exception}`);
    check(e.$metadata.httpStatusCode === status, `${op}: status ${e.$metadata.httpStatusCode}, want ${status}`);
    check(!!e.$metadata.requestId, `${op}: no request id on the error`);
  }
}

async function main() {
  const inst = (await call("CreateInstance", { IdentityManagementType: "SAML", InboundCallsEnabled: true, OutboundCallsEnabled: true })).Id;
  // Paginators write their token into the input they are given: each gets a copy.
  const I = Object.freeze({ InstanceId: inst });
  check((await call("DescribeInstance", I)).Instance.Id === inst, "DescribeInstance");
  const instances = [];
  for await (const page of C.paginateListInstances({ client, pageSize: 1 }, {})) instances.push(...page.InstanceSummaryList);
  called.add("ListInstances");
  check(instances.some((i) => i.Id === inst), "paginateListInstances misses the new instance");

  const rps = (await call("ListRoutingProfiles", I)).RoutingProfileSummaryList;
  const sps = (await call("ListSecurityProfiles", I)).SecurityProfileSummaryList;
  const rp = rps[0].Id;
  const agent = sps.find((p) => p.Name === "Agent").Id;
  check((await call("DescribeRoutingProfile", { ...I, RoutingProfileId: rp })).RoutingProfile.Name === "Basic Routing Profile", "DescribeRoutingProfile");
  check((await call("DescribeSecurityProfile", { ...I, SecurityProfileId: agent })).SecurityProfile.SecurityProfileName === "Agent", "DescribeSecurityProfile");

  // Hierarchy: a structure of five levels, groups, rename, an in-use refusal.
  const names = ["LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive"];
  const structure = Object.fromEntries(names.map((n, i) => [n, { Name: "L" + (i + 1) }]));
  await call("UpdateUserHierarchyStructure", { ...I, HierarchyStructure: structure });
  const hs = (await call("DescribeUserHierarchyStructure", I)).HierarchyStructure;
  check(names.every((n, i) => hs[n] && hs[n].Id === String(i + 1)), "DescribeUserHierarchyStructure levels");
  let parent;
  const groups = [];
  for (let i = 0; i < 5; i++) {
    const g = await call("CreateUserHierarchyGroup", { ...I, Name: "g" + i, ParentGroupId: parent });
    groups.push(g.HierarchyGroupId);
    parent = g.HierarchyGroupId;
  }
  const leaf = (await call("DescribeUserHierarchyGroup", { ...I, HierarchyGroupId: parent })).HierarchyGroup;
  check(leaf.LevelId === "5" && leaf.HierarchyPath.LevelOne.Name === "g0", "DescribeUserHierarchyGroup path");
  check(leaf.Tags && typeof leaf.Tags === "object", "DescribeUserHierarchyGroup: no Tags");
  await call("UpdateUserHierarchyGroupName", { ...I, HierarchyGroupId: groups[0], Name: "renamed" });
  const listed = [];
  for await (const page of C.paginateListUserHierarchyGroups({ client, pageSize: 2 }, { ...I })) listed.push(...page.UserHierarchyGroupSummaryList.map((g) => g.Name));
  called.add("ListUserHierarchyGroups");
  check(listed.length === 5 && listed.includes("renamed"), "paginateListUserHierarchyGroups: " + listed);
  await refused("DeleteUserHierarchyGroup", { ...I, HierarchyGroupId: groups[0] }, "ResourceInUseException", 409);
  await refused("CreateUserHierarchyGroup", { ...I, Name: "renamed" }, "DuplicateResourceException", 409);
  await refused("UpdateUserHierarchyStructure", { ...I, HierarchyStructure: { LevelOne: { Name: "only" } } }, "ResourceInUseException", 409);

  // Users.
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const u = await call("CreateUser", { ...I, Username: "js" + i, IdentityInfo: { FirstName: "J", LastName: "S" + i },
      PhoneConfig: { PhoneType: "SOFT_PHONE" }, RoutingProfileId: rp, SecurityProfileIds: [agent], HierarchyGroupId: i === 0 ? parent : undefined });
    ids.push(u.UserId);
  }
  const u0 = (await call("DescribeUser", { ...I, UserId: ids[0] })).User;
  check(u0.PhoneConfig.DeskPhoneNumber === "", "DescribeUser DeskPhoneNumber " + JSON.stringify(u0.PhoneConfig.DeskPhoneNumber));
  check(u0.Tags && Object.keys(u0.Tags).length === 0, "DescribeUser Tags " + JSON.stringify(u0.Tags));
  const pages = [];
  for await (const page of C.paginateListUsers({ client, pageSize: 2 }, { ...I })) pages.push(page.UserSummaryList.map((u) => u.Username));
  called.add("ListUsers");
  check(JSON.stringify(pages) === JSON.stringify([["js0", "js1"], ["js2", "js3"], ["js4"]]), "paginateListUsers pages " + JSON.stringify(pages));
  const found = [];
  for await (const page of C.paginateSearchUsers({ client, pageSize: 2 }, { InstanceId: inst,
    SearchCriteria: { StringCondition: { FieldName: "Username", Value: "js", ComparisonType: "STARTS_WITH" } } })) found.push(...page.Users);
  called.add("SearchUsers");
  check(found.length === 5 && found.every((u) => u.Tags && u.PhoneConfig.DeskPhoneNumber === ""), "paginateSearchUsers");
  await refused("CreateUser", { ...I, Username: "js0", IdentityInfo: { FirstName: "J", LastName: "S" }, PhoneConfig: { PhoneType: "SOFT_PHONE" },
    RoutingProfileId: rp, SecurityProfileIds: [agent] }, "DuplicateResourceException", 409);
  await refused("CreateUser", { ...I, Username: "bad user!", IdentityInfo: { FirstName: "J", LastName: "S" }, PhoneConfig: { PhoneType: "SOFT_PHONE" },
    RoutingProfileId: rp, SecurityProfileIds: [agent] }, "InvalidParameterException", 400);
  await refused("DescribeUser", { ...I, UserId: "00000000-0000-0000-0000-000000000000" }, "ResourceNotFoundException", 404);
  const U = { ...I, UserId: ids[1] };
  await call("UpdateUserIdentityInfo", { ...U, IdentityInfo: { FirstName: "New", LastName: "Name" } });
  await call("UpdateUserPhoneConfig", { ...U, PhoneConfig: { PhoneType: "DESK_PHONE", DeskPhoneNumber: "+14155550100" } });
  await call("UpdateUserRoutingProfile", { ...U, RoutingProfileId: rp });
  await call("UpdateUserSecurityProfiles", { ...U, SecurityProfileIds: [agent] });
  await call("UpdateUserHierarchy", { ...U, HierarchyGroupId: groups[1] });
  await call("UpdateUserConfig", { ...U, AutoAcceptConfigs: [{ Channel: "VOICE", AutoAccept: true }] });
  const u1 = (await call("DescribeUser", U)).User;
  check(u1.IdentityInfo.FirstName === "New" && u1.PhoneConfig.DeskPhoneNumber === "+14155550100" && u1.HierarchyGroupId === groups[1], "updates not read back");

  // Tags.
  const arn = u0.Arn;
  await call("TagResource", { resourceArn: arn, tags: { team: "js" } });
  check((await call("ListTagsForResource", { resourceArn: arn })).tags.team === "js", "ListTagsForResource");
  await call("UntagResource", { resourceArn: arn, tagKeys: ["team"] });

  // Proficiencies and predefined attributes.
  await call("CreatePredefinedAttribute", { ...I, Name: "skill", Values: { StringList: ["go", "js"] } });
  check((await call("DescribePredefinedAttribute", { ...I, Name: "skill" })).PredefinedAttribute.Values.StringList.includes("js"), "DescribePredefinedAttribute");
  await call("UpdatePredefinedAttribute", { ...I, Name: "skill", Values: { StringList: ["go", "js", "py"] } });
  check((await call("ListPredefinedAttributes", I)).PredefinedAttributeSummaryList.length === 1, "ListPredefinedAttributes");
  check((await call("SearchPredefinedAttributes", I)).PredefinedAttributes.length === 1, "SearchPredefinedAttributes");
  await call("AssociateUserProficiencies", { ...U, UserProficiencies: [{ AttributeName: "skill", AttributeValue: "js", Level: 3 }] });
  await call("UpdateUserProficiencies", { ...U, UserProficiencies: [{ AttributeName: "skill", AttributeValue: "js", Level: 4 }] });
  check((await call("ListUserProficiencies", U)).UserProficiencyList[0].Level === 4, "ListUserProficiencies");
  await call("DisassociateUserProficiencies", { ...U, UserProficiencies: [{ AttributeName: "skill", AttributeValue: "js" }] });
  await call("DeletePredefinedAttribute", { ...I, Name: "skill" });

  // Security profiles.
  const sp = (await call("CreateSecurityProfile", { ...I, SecurityProfileName: "js-profile", Permissions: ["BasicAgentAccess"] })).SecurityProfileId;
  await call("UpdateSecurityProfile", { ...I, SecurityProfileId: sp, Description: "from js" });
  check((await call("ListSecurityProfilePermissions", { ...I, SecurityProfileId: sp })).Permissions.includes("BasicAgentAccess"), "ListSecurityProfilePermissions");
  await call("DeleteSecurityProfile", { ...I, SecurityProfileId: sp });

  // Federation: the admin key's identity has no user of that name here.
  await refused("GetFederationToken", I, "UserNotFoundException", 404);

  for (const id of ids) await call("DeleteUser", { ...I, UserId: id });
  for (const g of groups.reverse()) await call("DeleteUserHierarchyGroup", { ...I, HierarchyGroupId: g });
  await call("DeleteInstance", I);
  await refused("DescribeInstance", I, "ResourceNotFoundException", 404);
}

main().then(
  () => console.log(JSON.stringify({ called: [...called].sort(), failures })),
  (e) => { console.log(JSON.stringify({ called: [...called].sort(), failures: [...failures, "threw: " + (e.name || "") + " " + e.message] })); },
);

// The aws-sdk (v2) for JavaScript as published scripts use it, driven by TestJavaScriptSDKs: a
// ListUsers loop that stops only on an explicit NextToken === null, the members a backup script
// indexes without checking, error codes and statuses. Prints {"pages": n, "failures": [...]}.
const AWS = require("aws-sdk");

const connect = new AWS.Connect({
  endpoint: process.env.CONNECTDIR_ENDPOINT, region: "us-east-1", maxRetries: 0,
  credentials: new AWS.Credentials(process.env.CONNECTDIR_KEY, process.env.CONNECTDIR_SECRET),
});
const inst = process.env.CONNECTDIR_INSTANCE;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

async function refusal(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return [e.code, e.statusCode, !!e.requestId];
  }
}

async function main() {
  const rp = (await connect.listRoutingProfiles({ InstanceId: inst }).promise()).RoutingProfileSummaryList[0].Id;
  const sps = (await connect.listSecurityProfiles({ InstanceId: inst }).promise()).SecurityProfileSummaryList;
  const agent = sps.find((p) => p.Name === "Agent").Id;
  for (let i = 0; i < 5; i++) {
    await connect.createUser({ InstanceId: inst, Username: "v2user" + i, Password: "Passw0rdX",
      IdentityInfo: { FirstName: "V", LastName: "Two" }, PhoneConfig: { PhoneType: "SOFT_PHONE" },
      RoutingProfileId: rp, SecurityProfileIds: [agent] }).promise();
  }
  // The loop of a script written against the real service: it ends only on an explicit null.
  let NextToken;
  let pages = 0;
  const users = [];
  while (NextToken !== null) {
    const out = await connect.listUsers({ InstanceId: inst, MaxResults: 2, NextToken }).promise();
    users.push(...out.UserSummaryList);
    NextToken = out.NextToken;
    if (++pages > 10) {
      failures.push("the NextToken !== null loop does not end: NextToken is " + JSON.stringify(NextToken));
      break;
    }
  }
  check(users.length === 5, "listed " + users.length + " users");
  // A backup script: every user's desk phone and tags, read without checks.
  for (const u of users) {
    const { User } = await connect.describeUser({ InstanceId: inst, UserId: u.Id }).promise();
    check(User.PhoneConfig.DeskPhoneNumber === "", u.Username + ": DeskPhoneNumber " + JSON.stringify(User.PhoneConfig.DeskPhoneNumber));
    check(User.Tags !== undefined && Object.keys(User.Tags).length === 0, u.Username + ": Tags " + JSON.stringify(User.Tags));
    check(typeof User.DirectoryUserId === "string" && User.DirectoryUserId.length === 36, u.Username + ": DirectoryUserId");
  }
  const dup = await refusal(connect.createUser({ InstanceId: inst, Username: "v2user0", Password: "Passw0rdX",
    IdentityInfo: { FirstName: "V", LastName: "Two" }, PhoneConfig: { PhoneType: "SOFT_PHONE" },
    RoutingProfileId: rp, SecurityProfileIds: [agent] }).promise());
  check(JSON.stringify(dup) === JSON.stringify(["DuplicateResourceException", 409, true]), "duplicate: " + JSON.stringify(dup));
  const missing = await refusal(connect.describeUser({ InstanceId: inst, UserId: "00000000-0000-0000-0000-000000000000" }).promise());
  check(JSON.stringify(missing) === JSON.stringify(["ResourceNotFoundException", 404, true]), "missing: " + JSON.stringify(missing));
  await connect.updateUserHierarchyStructure({ InstanceId: inst, HierarchyStructure: { LevelOne: { Name: "Planet" } } }).promise();
  const g = await connect.createUserHierarchyGroup({ InstanceId: inst, Name: "Earth" }).promise();
  await connect.updateUserHierarchy({ InstanceId: inst, UserId: users[0].Id, HierarchyGroupId: g.HierarchyGroupId }).promise();
  const inUse = await refusal(connect.deleteUserHierarchyGroup({ InstanceId: inst, HierarchyGroupId: g.HierarchyGroupId }).promise());
  check(JSON.stringify(inUse) === JSON.stringify(["ResourceInUseException", 409, true]), "in use: " + JSON.stringify(inUse));
  const bad = await refusal(new AWS.Connect({ endpoint: process.env.CONNECTDIR_ENDPOINT, region: "us-east-1", maxRetries: 0,
    credentials: new AWS.Credentials(process.env.CONNECTDIR_KEY, "wrong-secret") }).listUsers({ InstanceId: inst }).promise());
  check(JSON.stringify(bad) === JSON.stringify(["InvalidSignatureException", 403, true]), "bad signature: " + JSON.stringify(bad));
  // STS on the same endpoint, and its temporary credentials for Connect.
  const sts = new AWS.STS({ endpoint: process.env.CONNECTDIR_ENDPOINT, region: "us-east-1", maxRetries: 0,
    credentials: new AWS.Credentials(process.env.CONNECTDIR_KEY, process.env.CONNECTDIR_SECRET) });
  const { Credentials: c } = await sts.getSessionToken({ DurationSeconds: 900 }).promise();
  const temp = new AWS.Connect({ endpoint: process.env.CONNECTDIR_ENDPOINT, region: "us-east-1", maxRetries: 0,
    credentials: new AWS.Credentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken) });
  check((await temp.listUsers({ InstanceId: inst }).promise()).UserSummaryList.length === 5, "temporary credentials");
  return pages;
}

main().then(
  (pages) => console.log(JSON.stringify({ pages, failures })),
  (e) => console.log(JSON.stringify({ pages: 0, failures: [...failures, "threw: " + e.code + " " + e.message] })),
);

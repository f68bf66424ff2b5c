#!/usr/bin/env python3
"""Generate connect.json, the trimmed Amazon Connect service model.

connect.json holds, for the operations connectdir serves (OPERATIONS below),
each operation's HTTP binding, input and output shape names and error names,
plus every shape reachable from those inputs, outputs and errors, with the
documentation stripped. model.go embeds the file.

The model is read from the installed botocore package
(data/connect/2017-08-08/service-2.json.gz); only the standard library is
used, and botocore itself is located but never imported.

Usage: python3 gen.py [-o OUTPUT] [--model SERVICE-2.JSON[.GZ]]

The output is deterministic: running it twice against the same botocore
release yields identical bytes, which model_test.go relies on.
"""

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import os
import re
import sys

OPERATIONS = """
CreateUser DescribeUser ListUsers DeleteUser UpdateUserIdentityInfo
UpdateUserPhoneConfig UpdateUserRoutingProfile UpdateUserSecurityProfiles
ListRoutingProfiles ListSecurityProfiles DescribeRoutingProfile
DescribeSecurityProfile GetFederationToken TagResource UntagResource
ListTagsForResource CreateInstance DescribeInstance ListInstances
DeleteInstance DescribeUserHierarchyStructure UpdateUserHierarchyStructure
CreateUserHierarchyGroup DescribeUserHierarchyGroup ListUserHierarchyGroups
UpdateUserHierarchyGroupName DeleteUserHierarchyGroup UpdateUserHierarchy
SearchUsers UpdateUserConfig CreatePredefinedAttribute
DescribePredefinedAttribute ListPredefinedAttributes SearchPredefinedAttributes
UpdatePredefinedAttribute DeletePredefinedAttribute AssociateUserProficiencies
UpdateUserProficiencies DisassociateUserProficiencies ListUserProficiencies
CreateSecurityProfile UpdateSecurityProfile DeleteSecurityProfile
ListSecurityProfilePermissions
""".split()

MODEL_PATH = os.path.join("data", "connect", "2017-08-08", "service-2.json.gz")

# Shape-level keys kept verbatim (documentation and everything else dropped).
SHAPE_KEYS = (
    "type",
    "required",
    "min",
    "max",
    "pattern",
    "enum",
    "box",
    "sensitive",
    "idempotencyToken",
    "exception",
    "union",
)
# Member-level keys kept verbatim (the member's name is added as "name").
MEMBER_KEYS = (
    "shape",
    "location",
    "locationName",
    "box",
    "idempotencyToken",
    "sensitive",
)


def botocore_dir():
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("gen.py: botocore is not installed")
    return list(spec.submodule_search_locations)[0]


def botocore_version(root):
    try:
        return importlib.metadata.version("botocore")
    except importlib.metadata.PackageNotFoundError:
        pass
    with open(os.path.join(root, "__init__.py"), encoding="utf-8") as f:
        m = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", f.read(), re.M)
    if not m:
        sys.exit("gen.py: cannot determine the botocore version")
    return m.group(1)


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def trim_shape(shape):
    out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
    for k in ("member", "key", "value"):
        if k in shape:
            out[k] = {"shape": shape[k]["shape"]}
    if "members" in shape:
        # A list keeps the model's member order, which Validate follows.
        out["members"] = [
            dict(name=name, **{k: m[k] for k in MEMBER_KEYS if k in m})
            for name, m in shape["members"].items()
        ]
    if "error" in shape:
        out["error"] = {
            k: shape["error"][k]
            for k in ("httpStatusCode", "senderFault", "code")
            if k in shape["error"]
        }
    return out


def generate(model, version):
    shapes = model["shapes"]
    keep = {}

    def walk(name):
        if name in keep:
            return
        if name not in shapes:
            sys.exit(f"gen.py: shape {name} is referenced but not defined")
        shape = shapes[name]
        keep[name] = trim_shape(shape)
        for req in shape.get("required", []):
            if req not in shape.get("members", {}):
                sys.exit(f"gen.py: {name} requires unknown member {req}")
        for k in ("member", "key", "value"):
            if k in shape:
                walk(shape[k]["shape"])
        for m in shape.get("members", {}).values():
            walk(m["shape"])

    operations = {}
    for name in OPERATIONS:
        op = model["operations"].get(name)
        if op is None:
            sys.exit(f"gen.py: operation {name} is not in the model")
        out = {
            "http": {
                k: op["http"][k]
                for k in ("method", "requestUri", "responseCode")
                if k in op["http"]
            },
            "errors": [e["shape"] for e in op.get("errors", [])],
        }
        for k in ("input", "output"):
            if k in op:
                out[k] = op[k]["shape"]
                walk(op[k]["shape"])
        for e in out["errors"]:
            walk(e)
        operations[name] = out

    meta = model["metadata"]
    return {
        "botocoreVersion": version,
        "metadata": {
            k: meta[k]
            for k in ("apiVersion", "endpointPrefix", "protocol", "serviceId", "signingName", "uid")
            if k in meta
        },
        "operations": operations,
        "shapes": keep,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.join(here, "connect.json"))
    ap.add_argument("--model", help="service-2.json[.gz] to read instead of botocore's")
    args = ap.parse_args()

    root = botocore_dir()
    version = botocore_version(root)
    path = args.model or os.path.join(root, MODEL_PATH)
    trimmed = generate(load(path), version)

    text = json.dumps(trimmed, indent=1, sort_keys=True, ensure_ascii=True) + "\n"
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()

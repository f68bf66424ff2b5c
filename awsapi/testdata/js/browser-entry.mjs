// The part of @aws-sdk/client-connect the browser test's page uses, bundled for the browser by
// esbuild at test time (nothing of it is kept in the repository).
import {
  ConnectClient, UpdateUserHierarchyStructureCommand, DescribeUserHierarchyStructureCommand,
  CreateUserHierarchyGroupCommand, UpdateUserHierarchyGroupNameCommand, DeleteUserHierarchyGroupCommand,
  DescribeUserHierarchyGroupCommand, paginateListUserHierarchyGroups, ResourceInUseException,
} from "@aws-sdk/client-connect";

window.ConnectSDK = {
  ConnectClient, UpdateUserHierarchyStructureCommand, DescribeUserHierarchyStructureCommand,
  CreateUserHierarchyGroupCommand, UpdateUserHierarchyGroupNameCommand, DeleteUserHierarchyGroupCommand,
  DescribeUserHierarchyGroupCommand, paginateListUserHierarchyGroups, ResourceInUseException,
};

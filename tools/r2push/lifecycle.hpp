#pragma once
// `r2push lifecycle`: PutBucketLifecycleConfiguration replaces a bucket's
// whole configuration, so the rule r2push adds is merged into the rules the
// bucket already has (read with GetBucketLifecycleConfiguration): other rules
// are kept byte for byte, a rule with the same ID is replaced.
#include <string>
#include <vector>

namespace hlsmesh::r2push {

// The ID of r2push's expiry rule for a prefix: one rule per prefix, so that
// running lifecycle again with other days replaces it instead of adding one.
std::string expire_rule_id(const std::string& prefix);

// <Rule>: delete objects under `prefix` `days` days after upload.
std::string expire_rule(int days, const std::string& prefix);

// The <Rule> elements of a LifecycleConfiguration document, as written.
std::vector<std::string> lifecycle_rules(const std::string& configuration_xml);

// The <ID> of a rule (XML-unescaped), "" when it has none.
std::string lifecycle_rule_id(const std::string& rule_xml);

// `existing` rules with any rule of the same ID as `rule` replaced by it
// (in its place), else `rule` appended.
std::vector<std::string> merge_lifecycle_rule(std::vector<std::string> existing, const std::string& rule);

// A LifecycleConfiguration document holding `rules`.
std::string lifecycle_configuration(const std::vector<std::string>& rules);

}  // namespace hlsmesh::r2push

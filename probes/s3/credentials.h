// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading an S3 access key pair (internal to probes/s3, tested through its own header): from a
// file in the AWS shared-credentials style or from two environment variables. Errors name the
// file and line, or the variable, and never quote a value.

#include <string>

#include "daemon/base/result.h"
#include "daemon/model/model.h"
#include "probes/s3/sigv4.h"

namespace sov::probes::s3 {

/// Parses `text` (read from `file`): lines "name = value", '#' and ';' comments, optional
/// "[profile]" sections. Names: access_key_id or aws_access_key_id, secret_access_key or
/// aws_secret_access_key. The section is `profile` when given, else [default] when present,
/// else the only one (or the lines outside any section). Errors (kInvalidInput):
/// "FILE:LINE: expected 'name = value'", "FILE: no secret_access_key in [default]", ...
Result<Credentials> parse_credentials(const std::string& text, const std::string& file,
                                      const std::string& profile);

/// The pair from spec.credentials ({file}, {env}, optional profile); empty Credentials (anonymous)
/// when spec has no credentials. Errors: kInvalidInput (bad spec, bad file), kIo (unreadable
/// file), kNotFound (an environment variable is not set).
Result<Credentials> load_credentials(const model::Json& spec);

}  // namespace sov::probes::s3

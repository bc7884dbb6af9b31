// SPDX-License-Identifier: Apache-2.0
#pragma once
// The per-target verdict chain of `sovereignctl findings --explain TARGET`: location -> operator
// -> legal control -> certifications, each link with its facts, their source and date, then the
// findings that judged each link. Pure text rendering over a target's facts; no I/O.

#include <string>
#include <vector>

#include "daemon/model/model.h"

namespace sov::probes::jurisdiction {

/// Renders the chain for one target. `findings` (may be empty) are attached to the link whose
/// facts they read (by evidence path); the rest are listed last.
std::string explain_chain(const model::Facts& facts, const std::vector<model::Finding>& findings);

}  // namespace sov::probes::jurisdiction

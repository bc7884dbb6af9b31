// SPDX-License-Identifier: Apache-2.0
// A PKCS#11 module whose C_Initialize does not return in time: the one condition a real module
// (SoftHSM2) cannot be made to produce on demand, a hung HSM. Only C_GetFunctionList and
// C_Initialize exist; the probe must report a timeout by its deadline without blocking the
// event loop.
#include <p11-kit/pkcs11.h>
#include <unistd.h>

namespace {

CK_RV hang_initialize(void*) {
  ::sleep(60);
  return CKR_GENERAL_ERROR;
}

CK_FUNCTION_LIST functions{};

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
  functions.version.major = 2;
  functions.version.minor = 40;
  functions.C_Initialize = hang_initialize;
  *list = &functions;
  return CKR_OK;
}

// Shim over protobuf-c (Debian's libprotobuf-c-dev): the runtime the generated message code uses.
#ifndef CPROTOBUFC_SHIM_H
#define CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif

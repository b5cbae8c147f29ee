// Shim over gRPC C-core (Debian's libgrpc-dev). Only what Swift cannot import directly lives
// here: slice accessors that are macros in the C headers.
#ifndef CGRPC_SHIM_H
#define CGRPC_SHIM_H

// The C library headers come first: gRPC's port_platform.h defines feature macros that would
// otherwise give libc types such as fd_set a different shape here than in Swift's Glibc module.
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/types.h>
#include <time.h>

#include <grpc/grpc.h>
#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <grpc/support/log.h>
#include <grpc/support/alloc.h>

/// The bytes of a slice (GRPC_SLICE_START_PTR). Takes a pointer: the bytes of a small slice are
/// stored inline in the struct itself, so a pointer into a by-value copy would dangle.
static inline const uint8_t *cgrpc_slice_start(const grpc_slice *slice) {
  return GRPC_SLICE_START_PTR(*slice);
}

/// The bytes of a slice, for writing into a slice that was just allocated and is not shared yet.
static inline uint8_t *cgrpc_slice_start_mutable(grpc_slice *slice) {
  return GRPC_SLICE_START_PTR(*slice);
}

/// The length of a slice (GRPC_SLICE_LENGTH).
static inline size_t cgrpc_slice_length(const grpc_slice *slice) {
  return GRPC_SLICE_LENGTH(*slice);
}

/// The default propagation bits for a new call (GRPC_PROPAGATE_DEFAULTS).
static inline uint32_t cgrpc_propagate_defaults(void) {
  return GRPC_PROPAGATE_DEFAULTS;
}

/// Switches a descriptor to non-blocking mode; returns 0, or -1 with errno set.
static inline int cgrpc_set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

#endif

#ifndef PLACEPLAN_COPENBLAS_SHIM_H
#define PLACEPLAN_COPENBLAS_SHIM_H
// Debian's libopenblas-dev puts cblas.h on the pkg-config `openblas` include path.
#include <cblas.h>
#endif

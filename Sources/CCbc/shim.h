#ifndef PLACEPLAN_CCBC_SHIM_H
#define PLACEPLAN_CCBC_SHIM_H
// COIN-OR CBC's C interface (Debian: coinor-libcbc-dev, Eclipse Public License 2.0).
// pkg-config `cbc` puts /usr/include/coin on the include path and links its dependencies.
#include <Cbc_C_Interface.h>
#endif

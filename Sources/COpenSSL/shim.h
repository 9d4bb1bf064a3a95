#ifndef PLACEPLAN_COPENSSL_SHIM_H
#define PLACEPLAN_COPENSSL_SHIM_H
// OpenSSL's libcrypto (Debian: libssl-dev, Apache License 2.0): the SHA-256 of a saved run's
// inputs, through its EVP digest interface.
#include <openssl/evp.h>
#endif

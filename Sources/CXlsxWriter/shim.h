#ifndef PLACEPLAN_CXLSXWRITER_SHIM_H
#define PLACEPLAN_CXLSXWRITER_SHIM_H
// libxlsxwriter (Debian: libxlsxwriter-dev, BSD-2-Clause): writes Excel .xlsx workbooks.
#include <xlsxwriter.h>
#endif

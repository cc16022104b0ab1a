/* plugin.h must compile on its own as C. */
#include "rightmoment/plugin.h"
int rightmoment_header_compiles_as_c(void) { return (int)sizeof(rm_api) + RM_ABI_MAJOR; }

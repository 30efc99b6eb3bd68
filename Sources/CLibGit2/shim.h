#ifndef CONTINUUM_CLIBGIT2_SHIM_H
#define CONTINUUM_CLIBGIT2_SHIM_H
#include <git2.h>
#endif

#ifndef CONTINUUM_CLIBVIRT_SHIM_H
#define CONTINUUM_CLIBVIRT_SHIM_H
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#endif

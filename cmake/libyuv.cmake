# libyuv, the pixel format library the SDK's video frames convert with (cpp/src/media/video_frame*).
#
# It is the copy inside Debian's libwebrtc archive (libtg_owt.a from libtgowt-dev): one libyuv in
# the process, the very one libwebrtc uses. The archive itself cannot be linked for it: its
# members also define C++ library template code (std::string members...), which a test linking
# it would take from there instead of libstdc++, dragging half of libwebrtc (and abseil) in.
# So libyuv's members are partially linked (ld -r) into one object: exactly the members that
# define the functions below, and what those need, which is only libyuv itself and libjpeg.
# That object serves the build without the media engine (the sanitizer tests) as well; with the
# engine, libwebrtc finds those symbols already defined and takes the remaining libyuv members
# from the archive (whole members either way, so nothing is defined twice).
#
# A libyuv function newly called from cpp/src/media must be added to OTC_LIBYUV_FUNCTIONS (the
# link then fails with an undefined reference otherwise).
include_guard(GLOBAL)

find_library(OTC_TG_OWT_ARCHIVE NAMES libtg_owt.a REQUIRED)
find_library(OTC_LIB_jpeg NAMES jpeg REQUIRED)  # libjpeg62-turbo-dev: libyuv's MJPEG decoder
find_path(OTC_LIBYUV_INCLUDE_DIR libyuv/convert.h PATHS /usr/include/tg_owt/third_party/libyuv/include
          NO_DEFAULT_PATH REQUIRED)

set(OTC_LIBYUV_FUNCTIONS
  I420Copy NV12ToI420 NV21ToI420 YUY2ToI420 UYVYToI420 ARGBToI420 BGRAToI420 ABGRToI420 RGBAToI420
  RGB24ToI420 MJPGToI420 MJPGSize
  I420ToARGB I420ToBGRA I420ToABGR I420ToRGBA NV12ToARGB NV21ToARGB YUY2ToARGB UYVYToARGB ARGBCopy
  BGRAToARGB ABGRToARGB RGBAToARGB RGB24ToARGB MJPGToARGB ARGBToBGRA ARGBToABGR ARGBToRGBA)

set(_otc_libyuv_object "${CMAKE_BINARY_DIR}/otc_libyuv.o")
set(_otc_libyuv_undefined)
foreach(_otc_fn IN LISTS OTC_LIBYUV_FUNCTIONS)
  list(APPEND _otc_libyuv_undefined -u ${_otc_fn})
endforeach()
add_custom_command(
  OUTPUT "${_otc_libyuv_object}"
  COMMAND ${CMAKE_LINKER} -r ${_otc_libyuv_undefined} "${OTC_TG_OWT_ARCHIVE}" -o "${_otc_libyuv_object}"
  DEPENDS "${OTC_TG_OWT_ARCHIVE}" "${CMAKE_CURRENT_LIST_FILE}"
  COMMENT "Taking libyuv out of ${OTC_TG_OWT_ARCHIVE}"
  VERBATIM)
set_source_files_properties("${_otc_libyuv_object}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)

add_library(otc_libyuv STATIC "${_otc_libyuv_object}")
set_target_properties(otc_libyuv PROPERTIES LINKER_LANGUAGE C)
target_include_directories(otc_libyuv SYSTEM INTERFACE ${OTC_LIBYUV_INCLUDE_DIR})
target_link_libraries(otc_libyuv INTERFACE ${OTC_LIB_jpeg})
unset(_otc_fn)
unset(_otc_libyuv_undefined)
unset(_otc_libyuv_object)

#include "http/responses.hpp"
#include "http/static_files.hpp"
#include "support/temp_dir.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>

namespace dots::http {
namespace {

using dots::test::temp_dir;
namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream{p, std::ios::binary} << text;
}

/// Everything a client reads for a response without a file body.
std::string wire(const bhttp::response<bhttp::empty_body>& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

/// What the body's open file holds from where the response starts.
std::string contents(file_response& res) {
  auto& file = res.body().file();
  std::string out(static_cast<std::size_t>(res.body().size()), '\0');
  beast::error_code ec;
  file.seek(0, ec);
  auto n = file.read(out.data(), out.size(), ec);
  EXPECT_FALSE(ec) << ec.message();
  out.resize(n);
  return out;
}

class StaticFiles : public ::testing::Test {
protected:
  StaticFiles() {
    write_file(dir_.path() / "index.html", "<!doctype html><p>dots</p>");
    write_file(dir_.path() / "assets" / "app-1.js", "console.log(1);");
    write_file(dir_.path() / "assets" / "app-1.css", "p{}");
    write_file(dir_.path() / ".secret", "hidden");
    write_file(dir_.path().parent_path() /
                   (dir_.path().filename().string() + "-outside.txt"),
               "outside");
    fs::create_directories(dir_.path() / "folder");
  }
  ~StaticFiles() override {
    std::error_code ec;
    fs::remove(dir_.path().parent_path() /
                   (dir_.path().filename().string() + "-outside.txt"),
               ec);
  }

  domain::result<file_response> get(std::string_view path,
                                    bhttp::verb m = bhttp::verb::get) {
    request req{m, std::string{path}, 11};
    return serve_static(dir_.path(), req, path);
  }

  temp_dir dir_;
};

TEST_F(StaticFiles, RootIsIndexHtml) {
  auto res = get("/");
  ASSERT_TRUE(res) << res.error().message;
  auto& r = res.value();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(r[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(r[bhttp::field::content_length], "26");
  EXPECT_EQ(contents(r), "<!doctype html><p>dots</p>");
}

TEST_F(StaticFiles, FilesAreSentFromDiskWithTheirType) {
  auto js = get("/assets/app-1.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js.value()[bhttp::field::content_type],
            "text/javascript; charset=utf-8");
  EXPECT_EQ(js.value().body().size(), 15u);
  EXPECT_EQ(contents(js.value()), "console.log(1);");
  auto css = get("/assets/app-1.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css.value()[bhttp::field::content_type], "text/css; charset=utf-8");
}

TEST_F(StaticFiles, ContentTypesByExtension) {
  EXPECT_EQ(content_type_of("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_of("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_of("a.png"), "image/png");
  EXPECT_EQ(content_type_of("a.ico"), "image/x-icon");
  EXPECT_EQ(content_type_of("a.json"), "application/json");
  EXPECT_EQ(content_type_of("a.js.map"), "application/json");
  EXPECT_EQ(content_type_of("a.bin"), "application/octet-stream");
}

TEST_F(StaticFiles, MissingFilesAndFoldersAreNotFound) {
  for (auto path : {"/nope.html", "/folder", "/folder/", "/assets"}) {
    auto res = get(path);
    ASSERT_FALSE(res) << path;
    EXPECT_EQ(res.error().kind, domain::error_kind::not_found) << path;
  }
}

TEST_F(StaticFiles, NothingOutsideTheFolderOrHidden) {
  const auto outside =
      "/../" + dir_.path().filename().string() + "-outside.txt";
  for (const std::string& path :
       {outside, std::string{"/.secret"}, std::string{"/assets/../index.html"},
        std::string{"/assets/./app-1.js"}, std::string{"//etc/passwd"},
        std::string{"/%2e%2e/etc/passwd"}, std::string{"/index.html%00"},
        std::string{"/a b"}}) {
    auto res = get(path);
    ASSERT_FALSE(res) << path;
    EXPECT_EQ(res.error().kind, domain::error_kind::not_found) << path;
  }
}

TEST_F(StaticFiles, NoFolderServesNothing) {
  request req{bhttp::verb::get, "/", 11};
  auto res = serve_static({}, req, "/");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, domain::error_kind::not_found);
}

TEST_F(StaticFiles, HeadHasTheFilesLengthAndNoBody) {
  auto res = get("/assets/app-1.js", bhttp::verb::head);
  ASSERT_TRUE(res);
  auto head = head_of(std::move(res).value());
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_length], "15");
  EXPECT_EQ(head[bhttp::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_TRUE(wire(head).ends_with("\r\n\r\n"));
}

} // namespace
} // namespace dots::http
